/** Types of the Auth0 Action API surface post-login-action.js uses (for its tests). */
export interface PostLoginEvent {
  user: {
    user_id: string;
    username?: string;
    nickname?: string;
    email?: string;
    app_metadata?: Record<string, unknown>;
  };
  resource_server?: { identifier: string };
  secrets?: { CLAIM_NAMESPACE?: string; API_AUDIENCE?: string };
}

export interface PostLoginApi {
  access: { deny(reason: string): void };
  accessToken: { setCustomClaim(name: string, value: unknown): void };
}

export function onExecutePostLogin(event: PostLoginEvent, api: PostLoginApi): Promise<void>;
