// Shared by the system tests, the bench and the demo: real service processes,
// private Redis servers, and the small helpers around them. Never part of a
// service image.
export * from "./dispatch-issue.js";
export * from "./docker-endpoint.js";
export * from "./free-port.js";
export * from "./log-capture.js";
export * from "./process-fleet.js";
export * from "./prometheus-text.js";
export * from "./redis-cluster-process.js";
export * from "./redis-container.js";
export * from "./redis-for-tests.js";
export * from "./redis-keys.js";
export * from "./redis-ping.js";
export * from "./redis-server-process.js";
export * from "./repo-path.js";
export * from "./service-entry.js";
export * from "./service-process.js";
export * from "./system-binary.js";
export * from "./wait-for.js";
