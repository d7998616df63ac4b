// The GitHub adapter: the only package that imports @octokit/*.
export * from "./octokit-github-client.js";
export * from "./octokit-webhook-gateway.js";
