/**
 * Whether a URL host is loopback: `localhost` (and `*.localhost`, RFC 6761 §6.3), 127.0.0.0/8
 * or `[::1]`. Plain HTTP is tolerated only towards these, where nothing crosses a network.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
