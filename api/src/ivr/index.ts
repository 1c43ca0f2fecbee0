/** What the tenant files (tenants/src) use of keypad menus: the schema, and saving/removing like the routes do. */
export { menuDefinitionSchema, type MenuDefinition } from './menu.ts';
export { deleteMenu, listMenus, saveMenu, type IvrMenu } from './service.ts';
