// The network domain's front door (issue 10): routers reached over the RouterOS API for
// setup, live monitoring and the actions RADIUS cannot do. Nothing here runs on the RADIUS
// path: the poller and the actions use their own connections and timeouts.
export * from './registry.js';
export * from './provisioning.js';
export * from './monitor.js';
export * from './actions.js';
export * from './traffic.js';
export * from './failure-text.js';
export * from './session.js';
