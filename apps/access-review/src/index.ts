/**
 * Access Review: an app of the Gatehouse project, served at `/apps/access-review/` by `npm start` behind
 * the project's one sign-in, session and configuration (made by `npm run new-app access-review`).
 */
import { defineApp } from '@gatehouse/app-kit';
import { createRoutes } from './routes.tsx';
import { READ, ROLES } from './rbac.ts';

export default defineApp({
  manifest: {
    name: 'access-review',
    title: 'Access Review',
    description: 'Who holds a dashboard role, when they last signed in, and reviews that flag unused accounts.',
    permission: READ,
    roles: ROLES,
  },
  createApp: createRoutes,
});
