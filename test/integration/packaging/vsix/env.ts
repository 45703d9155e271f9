/** Environment variables the packaged-VSIX runner hands to its suite. */
export const PACKAGING_ENV = {
  /** The extensions folder the VSIX was installed into. */
  extensionsDir: 'SEGGPT_VSIX_EXTENSIONS_DIR',
  /** The repository, whose node_modules must not be used by the installed extension. */
  repoRoot: 'SEGGPT_VSIX_REPO_ROOT',
} as const;
