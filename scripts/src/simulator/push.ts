import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTelephonySignature } from '@switchboard/api/telephony-signature';
import type { CallState, DialOrder } from './boundary.ts';

/**
 * The simulator as a push adapter (docs/telephony.md, "Push"): it registers a callback, and Switchboard
 * POSTs it every command of the calls it carries. The commands are applied to a small model of each
 * call (what its status would say), which the simulated callers read instead of polling
 * `GET /api/telephony/calls/{id}`; hold, mute, consult and conference are recorded on it too.
 */

export interface PushedCommand {
  id: string;
  seq: string;
  kind: string;
  tenant: string;
  callId: string | null;
  dialId: string | null;
  payload: Record<string, any>;
}

interface ModelCall {
  state: CallState;
  version: number;
  held: boolean;
  muted: boolean;
  consult: { kind: 'consult' | 'conference'; target: string } | null;
  waiters: Set<() => void>;
}

export class CommandModel {
  private readonly calls = new Map<string, ModelCall>();
  private readonly seen = new Set<string>();
  /** Commands applied, by kind (and duplicates ignored). */
  readonly counts: Record<string, number> = {};
  duplicates = 0;
  /** An `originate` command: the dialer wants this call placed. */
  onOriginate: ((order: DialOrder) => void) | null = null;

  private call(id: string): ModelCall {
    let call = this.calls.get(id);
    if (!call) {
      // Calls nobody follows any more (a command for a call of an earlier run): the oldest go first.
      if (this.calls.size >= 20_000) this.calls.delete(this.calls.keys().next().value!);
      call = { state: { id, status: 'queued', operatorConnected: false, recording: 'off' }, version: 0, held: false, muted: false, consult: null, waiters: new Set() };
      this.calls.set(id, call);
    }
    return call;
  }

  /** Applies a command once (by its id, the idempotency key); answers false for a duplicate. */
  apply(command: PushedCommand): boolean {
    if (this.seen.has(command.id)) {
      this.duplicates++;
      return false;
    }
    if (this.seen.size > 50_000) this.seen.clear();
    this.seen.add(command.id);
    this.counts[command.kind] = (this.counts[command.kind] ?? 0) + 1;
    const p = command.payload;
    if (command.kind === 'originate') {
      this.onOriginate?.({ id: p.dialId, tenant: command.tenant, from: p.from, to: p.to, ringTimeoutSeconds: p.ringTimeoutSeconds, detectMachine: p.detectMachine, campaign: p.campaign });
      return true;
    }
    if (!command.callId) return true;
    const call = this.call(command.callId);
    const s = call.state;
    switch (command.kind) {
      case 'bridge':
        call.state = { ...s, status: 'connected', operatorConnected: true, recording: p.record };
        break;
      case 'requeue':
        call.state = { ...s, status: 'queued', operatorConnected: false, recording: 'off' };
        break;
      case 'redirect':
        call.state = { ...s, status: p.reason === 'transfer' ? 'transferred_out' : p.reason === 'max_wait' ? 'overflowed' : 'after_hours', operatorConnected: false, recording: 'off' };
        break;
      case 'recording':
        call.state = { ...s, recording: p.state };
        break;
      case 'hang_up':
        call.state = { ...s, status: 'wrap_up', operatorConnected: false, recording: 'off', ...(p.survey ? { survey: p.survey } : {}) };
        break;
      case 'hold':
      case 'resume':
        call.held = command.kind === 'hold';
        break;
      case 'mute':
      case 'unmute':
        call.muted = command.kind === 'mute';
        break;
      case 'consult':
      case 'conference':
        call.consult = { kind: command.kind, target: p.target };
        call.held = command.kind === 'consult';
        break;
      case 'consult_cancel':
        call.consult = null;
        call.held = false;
        break;
      case 'consult_handover':
        // The operator leaves; the caller talks to the target: out of Switchboard's hands.
        call.consult = null;
        call.held = false;
        call.state = { ...s, status: 'transferred_out', operatorConnected: false, recording: 'off' };
        break;
      default:
        break;
    }
    call.version++;
    for (const wake of call.waiters) wake();
    return true;
  }

  /** What the call's status would say now, and its version. */
  state(id: string): { state: CallState; version: number; held: boolean; muted: boolean } {
    const call = this.call(id);
    return { state: call.state, version: call.version, held: call.held, muted: call.muted };
  }

  /** Resolves when the call changes past `version`, after `ms`, or when `signal` aborts. */
  wait(id: string, version: number, ms: number, signal?: AbortSignal): Promise<void> {
    const call = this.call(id);
    if (call.version > version || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        call.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      call.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  forget(id: string): void {
    this.calls.delete(id);
  }
}

/**
 * The callback: verifies each POST's signature (v2 over its path, within the window), answers 401 to a bad
 * one, 400 to a body it cannot read, and 200 once the command is applied (a duplicate too: it was done).
 */
export async function startPushReceiver(options: { secret: string; model: CommandModel; host?: string; port?: number; path?: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const path = options.path ?? '/switchboard/commands';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      };
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' || url.pathname !== path) return void res.writeHead(404).end();
      const check = checkTelephonySignature(options.secret, { timestamp: header('X-Switchboard-Timestamp'), signature: header('X-Switchboard-Signature') }, body, { method: 'POST', path: url.pathname }, new Date());
      if (!check.ok) return void res.writeHead(401).end();
      let command: PushedCommand;
      try {
        command = JSON.parse(body) as PushedCommand;
        if (typeof command.id !== 'string' || command.id !== header('Idempotency-Key') || typeof command.kind !== 'string') throw new Error('bad command');
      } catch {
        return void res.writeHead(400).end();
      }
      options.model.apply(command);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
