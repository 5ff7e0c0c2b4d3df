import { spawn } from 'node:child_process';

/** Opens a URL in the desktop's browser (xdg-open, open, start); says so when none is available. */
export function openBrowser(url: string, warn: (message: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.once('error', (err) => warn(`could not open a browser (${command}: ${err.message}); open the URL yourself`));
  child.unref();
}
