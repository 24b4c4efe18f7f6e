import type { RegisterScreen } from './screens.js';

// Support tickets for staff (issue 8 portal tickets; issue 9 support). Filled by its own change.
export const registerTicketRoutes: RegisterScreen = () => {};
