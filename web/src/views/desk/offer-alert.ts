import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { t } from '../../i18n/index.ts';

/**
 * The ring and the desktop notification for an offer that arrives while the desk's tab is in the
 * background; nothing when the operator is looking at it (the offer card is enough). The ring is
 * synthesised with the Web Audio API (no sound file); the notification needs the browser's
 * permission, asked only from a button the operator presses. Muting is remembered per browser.
 */
const mutedKey = 'switchboard.desk.ringMuted';

export interface OfferForAlert {
  callId: string;
  tenantName: string;
  /** Masked, or null, when the client's rules hide it from operators. */
  callerNumber: string | null;
  functionLabel: string;
}

function storedMuted(): boolean {
  try {
    return localStorage.getItem(mutedKey) === '1';
  } catch {
    return false;
  }
}

let audio: AudioContext | undefined;

/** Two short bursts of 440+480 Hz, the classic ring cadence, about 1.2 s in all. */
export function ring(): void {
  try {
    playRing();
  } catch {
    // No audio output (or the browser refuses it): the notification and the offer card still tell.
  }
}

function playRing(): void {
  const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return;
  audio ??= new Ctor();
  void audio.resume?.();
  const start = audio.currentTime + 0.05;
  for (const offset of [0, 0.6]) {
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0, start + offset);
    gain.gain.linearRampToValueAtTime(0.18, start + offset + 0.02);
    gain.gain.setValueAtTime(0.18, start + offset + 0.4);
    gain.gain.linearRampToValueAtTime(0, start + offset + 0.45);
    gain.connect(audio.destination);
    for (const frequency of [440, 480]) {
      const osc = audio.createOscillator();
      osc.frequency.value = frequency;
      osc.connect(gain);
      osc.start(start + offset);
      osc.stop(start + offset + 0.46);
    }
  }
}

const supported = typeof window !== 'undefined' && 'Notification' in window; // i18n-ignore

export function useOfferAlert(offer: Ref<OfferForAlert | null>) {
  const muted = ref(storedMuted());
  const permission = ref<NotificationPermission | 'unsupported'>(supported ? Notification.permission : 'unsupported');
  let notification: Notification | null = null;
  let repeat: ReturnType<typeof setInterval> | undefined;

  function stop() {
    if (repeat) clearInterval(repeat);
    repeat = undefined;
    notification?.close();
    notification = null;
  }

  function alertFor(o: OfferForAlert) {
    if (document.visibilityState === 'visible') return;
    if (!muted.value) {
      ring();
      // Rings again every 3 s while the offer waits and the tab stays in the background.
      repeat = setInterval(() => {
        if (document.visibilityState === 'visible' || muted.value) stop();
        else ring();
      }, 3_000);
    }
    if (supported && Notification.permission === 'granted') {
      notification = new Notification(t('desk.offer.notification', { client: o.tenantName }), {
        body: [o.functionLabel, o.callerNumber].filter(Boolean).join(' · '),
        tag: `offer-${o.callId}`,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        notification?.close();
      };
    }
  }

  watch(
    () => offer.value?.callId ?? null,
    (callId) => {
      stop();
      if (callId && offer.value) alertFor(offer.value);
    },
  );
  const onVisible = () => {
    if (document.visibilityState === 'visible') stop();
  };
  document.addEventListener('visibilitychange', onVisible);
  onBeforeUnmount(() => {
    stop();
    document.removeEventListener('visibilitychange', onVisible);
  });

  function setMuted(value: boolean) {
    muted.value = value;
    try {
      localStorage.setItem(mutedKey, value ? '1' : '0');
    } catch {
      // Private mode: muted for this page only.
    }
    if (value) stop();
  }

  async function askPermission() {
    if (!supported) return;
    permission.value = await Notification.requestPermission();
  }

  return { muted, setMuted, permission, askPermission };
}
