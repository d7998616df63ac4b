// The git adapter: the only package that imports nodegit. Only the worker loads it.
export * from "./nodegit-workspace-factory.js";
export type { GitToken } from "./nodegit-remote-operation.js";
