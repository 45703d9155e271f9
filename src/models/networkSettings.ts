/** Network settings for downloads: VS Code's proxy settings and the Hub address. */
import * as vscode from 'vscode';
import type { HttpOptions } from '../engine/download/httpGet';
import type { HubRepo } from '../engine/download/hubListing';
import { HUB_REPO } from './modelFiles';

/** How to reach servers, from `http.proxy`, `http.noProxy` and `http.proxyStrictSSL`. */
export function httpOptionsFromSettings(): Omit<HttpOptions, 'signal'> {
  const http = vscode.workspace.getConfiguration('http');
  const proxy = http.get<string>('proxy')?.trim();
  return {
    proxy: proxy ? { url: proxy, noProxy: http.get<string[]>('noProxy') ?? [] } : undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
  };
}

/** The repository to download, at the Hub named by `seggpt.hubBaseUrl` (a mirror works too). */
export function hubFromSettings(): HubRepo {
  const base = vscode.workspace.getConfiguration('seggpt').get<string>('hubBaseUrl')?.trim();
  if (!base || !/^https?:\/\//i.test(base)) {
    throw new Error(`seggpt.hubBaseUrl "${base ?? ''}" is not an http(s) address`);
  }
  return { baseUrl: base, repo: HUB_REPO, revision: 'main' };
}
