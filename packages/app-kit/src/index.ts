/**
 * `@gatehouse/app-kit`: the contract between a Gatehouse project and its apps. An app's package
 * (`apps/<name>`, `"gatehouse": { "app": true }` in its package.json) default-exports
 * `defineApp({ manifest, createApp })`; `npm start` discovers it, adds its roles to the one RBAC
 * table and mounts it at `/apps/<name>/` behind the project's one sign-in.
 */
export { APP_NAME, defineApp, RESERVED_APP_NAMES, type AppManifest, type GatehouseApp } from './manifest.ts';
export type { AppContext, OktaGroup, OktaManagement, OktaUser, PageProps } from './context.ts';
