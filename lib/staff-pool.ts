import { Duration } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolEmail,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { Lifecycle } from './removal.js';

/** The Cognito groups the domain reads from `cognito:groups`. */
export const staffGroups = ['operator', 'helpdesk'] as const;

export interface StaffPoolProps {
  awsRegion: string;
  /** A verified SES identity the invitations are sent from. */
  invitationsFrom: string;
  lifecycle: Lifecycle;
  /** The staff console's origin (`https://<region's domain>`). */
  consoleOrigin: string;
  /** The hosted UI's prefix: `<prefix>.auth.<region>.amazoncognito.com`. */
  hostedUiPrefix: string;
}

/**
 * The sign-ins of centre staff and the operator's people. Nobody signs
 * themselves up: staff are invited by a centre, operators by the operator.
 */
export class StaffPool extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** Cognito's hosted UI, where the staff console signs staff in. */
  readonly hostedUi: UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly hostedUiUrl: string;

  constructor(scope: Construct, id: string, props: StaffPoolProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      // The e-mail address is the user name, and people type it as they
      // like: OP@Example.org must be the same sign-in as op@example.org.
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      email: UserPoolEmail.withSES({
        fromEmail: props.invitationsFrom,
        fromName: 'Education Records',
        sesRegion: props.awsRegion,
      }),
      userInvitation: {
        emailSubject: 'Your Education Records sign-in',
        emailBody:
          'You have been given a sign-in to Education Records. Your user ' +
          'name is {username} and your temporary password is {####}. You ' +
          'will choose a new password and set up an authenticator app ' +
          'when you first sign in.',
      },
      // Staff can issue records in students' names, so a password alone
      // is not enough; codes from an authenticator app, never SMS.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      // Plus: compromised-credential checks and adaptive authentication
      // acting on risky sign-ins, for a few thousand staff at most.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.lifecycle.deletionProtection,
      removalPolicy: props.lifecycle.removalPolicy,
    });

    this.client = this.userPool.addClient('StaffClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      // The staff console signs in through the hosted UI: authorization
      // code with PKCE (no client secret), back to the console only. The
      // admin scope is the one the API's authorizer asks of every token.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.COGNITO_ADMIN],
        callbackUrls: [`${props.consoleOrigin}/console/auth/callback`],
        logoutUrls: [`${props.consoleOrigin}/console/signed-out`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });

    this.hostedUi = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: props.hostedUiPrefix },
    });
    this.hostedUiUrl = this.hostedUi.baseUrl();

    for (const groupName of staffGroups) {
      this.userPool.addGroup(`${groupName}Group`, { groupName });
    }
  }
}
