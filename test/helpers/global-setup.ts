import { execFileSync } from 'node:child_process';

/** Process tests run the compiled CLI, and the dashboard's tests its bundled page: built once per test run. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['dist/scripts/build/precompile-validators.js'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['dist/scripts/build/bundle-cli.js'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['dist/scripts/build/bundle-web.js'], { stdio: 'inherit' });
}
