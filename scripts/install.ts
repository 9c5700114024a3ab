// Runs before every npm script (package.json): installs dependencies on a fresh clone,
// before any script imports code that needs them.
import { ensureDependencies } from './lib/tools.ts';

ensureDependencies();
