import type { RegisterPortalScreen } from './screens.js';

// Issue 8: the portal's pay page(s). Filled by its own change.
export const registerPayRoutes: RegisterPortalScreen = () => {};
