import { getCurrentScope, onScopeDispose, type Ref } from 'vue';
import { coalesce } from './coalesce.ts';
import { useEvents } from './useEvents.ts';

/**
 * Calls `refresh` while `active` is true: soon after the server says a call, order or complaint of this
 * tenant happened (client users receive those notices; `notices` names others, e.g. `survey` or
 * `satisfaction`), after the event stream reconnects, when the window gets focus, and every `everyMs`
 * anyway — provider staff get no tenant notices, and a notice may be missed. Notices are coalesced
 * (coalesce.ts): a burst makes one refetch, a busy floor at most one per `minGapMs`, never two at once.
 */
export function useLiveRefresh(options: { tenant: () => string; active: Ref<boolean>; refresh: () => unknown; notices?: string[]; everyMs?: number; minGapMs?: number }) {
  const notices = options.notices ?? ['call', 'order', 'complaint'];
  const refetch = coalesce(() => (options.active.value ? options.refresh() : undefined), { minGapMs: options.minGapMs ?? 2_000 });
  const soon = () => {
    if (options.active.value) refetch.signal();
  };
  const heard = (message: { tenant?: string; type?: string }) => {
    if (message.tenant === options.tenant() && message.type && notices.includes(message.type)) soon();
  };
  const events = useEvents(
    {
      record: heard,
      call: (m) => heard(m as { tenant?: string; type?: string }),
      // An outbound campaign's figures changed (client users of the tenant and provider staff hear it).
      ...(notices.includes('campaign') ? { campaign: (m: { tenant: string }) => heard({ tenant: m.tenant, type: 'campaign' }) } : {}),
    },
    { onReconnect: soon },
  );
  const poll = setInterval(() => options.active.value && document.visibilityState === 'visible' && soon(), options.everyMs ?? 30_000);
  window.addEventListener('focus', soon);
  const stop = () => {
    refetch.cancel();
    clearInterval(poll);
    window.removeEventListener('focus', soon);
    events.close();
  };
  if (getCurrentScope()) onScopeDispose(stop);
  return { connected: events.connected, stop };
}
