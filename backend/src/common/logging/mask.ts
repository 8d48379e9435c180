/**
 * Masks a phone number or WhatsApp id for logs and audit entries: country-code-ish prefix and the last four
 * digits stay, the rest becomes dots (`4915112345678@c.us` → `49•••••••5678@c.us`).
 */
export function maskPhone(value: string | null | undefined): string {
  if (!value) return '';
  const [local, domain] = value.split('@');
  const digits = (local ?? '').replace(/\D/g, '');
  // Up to six digits, prefix plus last four would be the whole number: hide it all.
  if (digits.length <= 6) return domain ? `•••@${domain}` : '•••';
  const masked = `${digits.slice(0, 2)}${'•'.repeat(digits.length - 6)}${digits.slice(-4)}`;
  return domain ? `${masked}@${domain}` : masked;
}
