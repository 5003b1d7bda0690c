// dns-packet ships no types; the tests' DNS zone uses encode/decode only.
declare module 'dns-packet' {
  export interface Question { name: string; type: string; class?: string }
  export interface Answer { name: string; type: string; ttl?: number; data: unknown }
  export interface Packet { id?: number; type?: 'query' | 'response'; flags?: number; questions?: Question[]; answers?: Answer[] }
  export function encode(packet: Packet): Buffer;
  export function decode(buf: Buffer): Packet;
  export const AUTHORITATIVE_ANSWER: number;
  const dnsPacket: { encode: typeof encode; decode: typeof decode; AUTHORITATIVE_ANSWER: number };
  export default dnsPacket;
}
