import type { RegisterPortalScreen } from './screens.js';

// Issue 8: the portal's tickets page(s). Filled by its own change.
export const registerTicketsRoutes: RegisterPortalScreen = () => {};
