import { getCurrentScope, onScopeDispose, type Ref } from 'vue';
import { useEvents } from './useEvents.ts';

/**
 * Calls `refresh` while `active` is true: soon after the server says a call, order or complaint of this
 * tenant happened (client users receive those notices), after the event stream reconnects, when the
 * window gets focus, and every `everyMs` anyway — provider staff get no tenant notices, and a notice
 * may be missed.
 */
export function useLiveRefresh(options: { tenant: () => string; active: Ref<boolean>; refresh: () => void; notices?: string[]; everyMs?: number }) {
  const notices = options.notices ?? ['call', 'order', 'complaint'];
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A burst of notices (an order and its call) makes one refetch.
  const soon = () => {
    if (!options.active.value) return;
    clearTimeout(timer);
    timer = setTimeout(options.refresh, 300);
  };
  const heard = (message: { tenant?: string; type?: string }) => {
    if (message.tenant === options.tenant() && message.type && notices.includes(message.type)) soon();
  };
  const events = useEvents({ record: heard, call: (m) => heard(m as { tenant?: string; type?: string }) }, { onReconnect: soon });
  const poll = setInterval(() => options.active.value && document.visibilityState === 'visible' && options.refresh(), options.everyMs ?? 30_000);
  window.addEventListener('focus', soon);
  const stop = () => {
    clearTimeout(timer);
    clearInterval(poll);
    window.removeEventListener('focus', soon);
    events.close();
  };
  if (getCurrentScope()) onScopeDispose(stop);
  return { connected: events.connected, stop };
}
