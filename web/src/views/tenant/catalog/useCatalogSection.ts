import { ref, type Ref } from 'vue';
import { useAsync } from '../../../composables/useAsync.ts';
import { useTenantPage } from '../context.ts';

/**
 * One catalog tab: its list, and the entry open in the form above it ('new' while adding).
 * `fill` copies the entry (or blanks) into the page's own form when it opens.
 */
export function useCatalogSection<T extends { id: string }, L>(options: {
  load: (param: { tenant: string }) => Promise<L>;
  fill: (target: T | 'new') => void;
}) {
  const { tenant, canManageMembers: canEdit } = useTenantPage();
  const param = () => ({ tenant: tenant.value.slug });
  const list = useAsync(() => options.load(param()));
  const editing = ref<T | 'new' | null>(null) as Ref<T | 'new' | null>;

  function open(target: T | 'new') {
    editing.value = target;
    options.fill(target);
  }

  /** Runs `send` for the open entry; a truthy answer closes the form and reloads the list. */
  async function save(send: (target: T | 'new') => Promise<unknown>) {
    const target = editing.value;
    if (!target) return;
    if (!(await send(target))) return;
    editing.value = null;
    void list.reload();
  }

  const close = () => {
    editing.value = null;
  };

  return { tenant, canEdit, param, list, editing, open, close, save };
}
