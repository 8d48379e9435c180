/**
 * Auth0 post-login Action (Login flow) for the WhatsApp service API.
 *
 * Copies the user's tenant and initial group from `app_metadata` (which only administrators and the
 * Management API can change, unlike `user_metadata`) into custom claims of the access token, as the backend
 * expects them:
 *   <namespace>tenantId  UUID of the user's tenant (required: a user without one is denied)
 *   <namespace>groupId   id (or name) of the group a first sign-in places the user in (optional; Viewers
 *                        otherwise; afterwards the backend's database decides the group)
 *   <namespace>username  the Auth0 username or nickname (optional; names the user on first sign-in)
 *
 * Secrets (Action settings):
 *   CLAIM_NAMESPACE  optional, e.g. "https://whatsapp.example.com/"; must equal AUTH_CLAIM_NAMESPACE
 *   API_AUDIENCE     optional; when set, only tokens for this API (AUTH_AUDIENCE) get the claims
 *
 * Auth0 also runs post-login Actions on refresh-token exchanges, so a changed tenant or group in
 * app_metadata reaches the next refreshed token.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

exports.onExecutePostLogin = async (event, api) => {
  const secrets = event.secrets || {};
  const audience = secrets.API_AUDIENCE;
  const requested = event.resource_server && event.resource_server.identifier;
  // Tokens for other APIs (and Auth0's own) are none of our business.
  if (audience && requested !== audience) return;

  const namespace = secrets.CLAIM_NAMESPACE || '';
  const metadata = (event.user && event.user.app_metadata) || {};
  const tenantId = metadata.tenantId;
  if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
    api.access.deny('This account is not assigned to a tenant of the WhatsApp service.');
    return;
  }
  api.accessToken.setCustomClaim(`${namespace}tenantId`, tenantId.toLowerCase());

  const groupId = metadata.groupId;
  if (typeof groupId === 'string' && groupId.length > 0 && groupId.length <= 64) {
    api.accessToken.setCustomClaim(`${namespace}groupId`, groupId);
  }

  const username = event.user.username || event.user.nickname;
  if (typeof username === 'string' && username.length > 0) {
    api.accessToken.setCustomClaim(`${namespace}username`, username);
  }
};
