// picomatch ships no types; only what approval-decision.ts uses of its API.
declare module 'picomatch' {
  interface PicomatchOptions {
    /** match dotfiles and dot folders (.github/…) like any other name */
    dot?: boolean;
  }
  function picomatch(glob: string | readonly string[], options?: PicomatchOptions): (path: string) => boolean;
  export = picomatch;
}
