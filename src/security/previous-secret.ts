/** One previous signing secret as stored in `webhooks.previous_secrets`: `secret` sealed or in clear, `expiresAt` ISO 8601 (UTC). */
export interface PreviousSecret {
  secret: string;
  expiresAt: string;
}
