import { ORIGIN } from './http.ts';
import type { App } from './harness.ts';

export interface SseEvent {
  event: string;
  data: any;
}

export interface EventStream {
  status: number;
  contentType: string | null;
  /** The next event (heartbeat comments skipped); waits for it. */
  next(): Promise<SseEvent>;
  /** The next comment line (a heartbeat), events skipped. */
  nextComment(): Promise<string>;
  /** Events up to and including the first that matches. */
  until(match: (event: SseEvent) => boolean): Promise<SseEvent[]>;
  /** Disconnects, as a closed browser tab does. */
  close(): Promise<void>;
}

/** GET /api/events through app.request(), read from the response body as a browser's EventSource would. */
export async function openEventStream(app: App, token: string | undefined): Promise<EventStream> {
  const headers: Record<string, string> = { origin: ORIGIN, 'sec-fetch-site': 'same-origin', accept: 'text/event-stream' };
  if (token) headers.cookie = `sb_session=${token}`;
  const res = await app.request('/api/events', { headers });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';

  /** The next block: an event, or a comment when it has no data line. */
  async function nextBlock(): Promise<SseEvent | { comment: string }> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (!data.length) return { comment: block.replace(/^:\s?/, '') };
        const text = data.join('\n');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        return { event, data: parsed };
      }
      const { done, value } = await reader.read();
      if (done) throw new Error(`The event stream ended (buffered: ${JSON.stringify(buffer)})`);
      buffer += decoder.decode(value, { stream: true });
    }
  }

  async function next(): Promise<SseEvent> {
    for (;;) {
      const block = await nextBlock();
      if (!('comment' in block)) return block;
    }
  }

  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    next,
    async nextComment() {
      for (;;) {
        const block = await nextBlock();
        if ('comment' in block) return block.comment;
      }
    },
    async until(match) {
      const seen: SseEvent[] = [];
      for (;;) {
        const event = await next();
        seen.push(event);
        if (match(event)) return seen;
      }
    },
    close: () => reader.cancel(),
  };
}
