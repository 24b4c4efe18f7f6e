import type { RegisterPortalScreen } from './screens.js';

// Issue 8: the portal's plan page(s). Filled by its own change.
export const registerPlanRoutes: RegisterPortalScreen = () => {};
