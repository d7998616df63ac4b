// The GitHub adapter: the only package that imports @octokit/*.
export * from "./octokit-github-client.js";
export * from "./octokit-webhook-gateway.js";
export * from "./github-app-token-source.js";
export * from "./refreshing-token.js";
export * from "./static-token-source.js";
