import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';
import { addressAllowed } from '../rules/definition.ts';
import type { AppEnv } from './env.ts';

/** Which proxies in front of us may tell us the client's address (config TRUST_PROXY_HOPS, TRUST_PROXY_RANGES). */
export interface ProxyTrust {
  /** This many nearest hops are trusted whatever their address: the socket's peer is hop 0. */
  hops: number;
  /** Any hop whose address lies in one of these CIDR ranges is trusted too. */
  ranges: readonly string[];
}

/** `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`, as proxies write them; IPv4-mapped IPv6 read as IPv4. */
function parseAddress(value: string): string | null {
  let text = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  if (!ipaddr.isValid(text)) return null;
  // ipaddr.isValid also takes "10" or "0x0a.1" (legacy IPv4 forms); a proxy never writes those.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return null;
  return ipaddr.process(text).toString();
}

/**
 * The client's address, counted from the right as proxies append to X-Forwarded-For: the socket's
 * peer first, then each entry from the last to the first, stopping at the first hop we do not
 * trust — that one is the client. Entries left of it are whatever the client wrote and are never
 * read. A trusted hop's entry that is not an address (a broken proxy, a header sent straight to us)
 * is not guessed at: the socket's address is the answer.
 */
export function clientAddressFrom(socketAddress: string | undefined, forwardedFor: string | undefined, trust: ProxyTrust): string {
  const peer = (socketAddress && parseAddress(socketAddress)) || socketAddress || 'unknown';
  const trusted = (hop: number, address: string) => hop < trust.hops || (trust.ranges.length > 0 && addressAllowed(address, trust.ranges));
  if (forwardedFor === undefined || !trusted(0, peer)) return peer;
  const entries = forwardedFor.split(',');
  let client = peer;
  for (let hop = 1; hop <= entries.length; hop++) {
    const address = parseAddress(entries[entries.length - hop]!);
    if (!address) return peer;
    client = address;
    if (!trusted(hop, address)) return address;
  }
  // Every hop is trusted: the leftmost one is as near the client as anyone vouched for.
  return client;
}

type SocketHolder = { socket?: { remoteAddress?: string } };

/** The caller's address: the socket's, or the one the trusted proxies in front of us report (see clientAddressFrom). */
export function clientAddress(c: Context<AppEnv>): string {
  const { trustProxyHops: hops, trustProxyRanges: ranges } = c.var.deps.config;
  // The socket's peer, as @hono/node-server's getConnInfo reads it, without its throw when there is no
  // socket (another adapter, or app.request()): every such caller shares one address bucket. (A throw per
  // request cost more than the rest of the address work.)
  const bindings = c.env as { incoming?: SocketHolder; server?: { incoming?: SocketHolder } } | undefined;
  const socketAddress = (bindings?.server ?? bindings)?.incoming?.socket?.remoteAddress;
  const forwardedFor = hops > 0 || ranges.length > 0 ? c.req.header('x-forwarded-for') : undefined;
  return clientAddressFrom(socketAddress, forwardedFor, { hops, ranges });
}
