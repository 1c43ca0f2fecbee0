/** The parts of keypad menus the web app uses too (no server dependency): the keys and the walk; the types. */
export { menuKeys, NO_INPUT, walkMenu, type MenuKey, type MenuStep } from './walk.ts';
export type { MenuDefinition, MenuNode, MenuPrompt, MenuTarget } from './menu.ts';
