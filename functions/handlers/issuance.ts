import { createOffer, getOffer, offerView } from '../domain/offers.js';
import { revokeOffer } from '../domain/revocation.js';
import { createVouch } from '../domain/vouches.js';
import type { Caller } from '../lib/auth.js';
import { createApiHandler, ok } from '../lib/http.js';
import { centrePath, idPath } from '../lib/request.js';
import { validate } from '../lib/validate.js';
import { revokeBody, vouchBody } from '../schemas.js';
import { credentialOfferUri } from '../wallet/metadata.js';
import { renderOfferQr } from '../wallet/qr.js';

export const handler = createApiHandler('issuance', {
  'POST /centres/{urn}/students/{studentId}/vouches': async (request) => {
    const { urn } = centrePath(request);
    const studentId = idPath(request, 'studentId');
    const input = validate(vouchBody, request.body);
    const vouch = await createVouch(
      request.deps,
      request.caller as Caller,
      urn,
      studentId,
      input,
    );
    return ok(
      {
        vouchId: vouch.vouchId,
        studentId: vouch.studentId,
        method: vouch.method,
        createdAt: vouch.createdAt,
        expiresAt: vouch.expiresAt,
        lookAlikes: vouch.lookAlikes,
      },
      201,
    );
  },

  'POST /centres/{urn}/vouches/{vouchId}/offers': async (request) => {
    const { urn } = centrePath(request);
    const vouchId = idPath(request, 'vouchId');
    const deps = request.deps;
    const created = await createOffer(
      deps,
      request.caller as Caller,
      urn,
      vouchId,
    );
    const offerUrl = `${deps.config.ISSUER_URL}/credential-offer/${created.ref}`;
    const credentialOffer = credentialOfferUri(offerUrl);
    const qr = await renderOfferQr(credentialOffer);
    return ok(
      {
        offerId: created.offer.offerId,
        studentId: created.offer.studentId,
        expiresAt: created.offer.expiresAt,
        txCode: created.txCode,
        credentialOffer,
        qr: { svg: qr.svg, png: qr.png },
      },
      201,
    );
  },

  'POST /centres/{urn}/offers/{offerId}/revoke': async (request) => {
    const { urn } = centrePath(request);
    const offerId = idPath(request, 'offerId');
    const input = validate(revokeBody, request.body);
    return ok(
      await revokeOffer(
        request.deps,
        request.caller as Caller,
        urn,
        offerId,
        input.reason,
      ),
    );
  },

  'GET /centres/{urn}/offers/{offerId}': async (request) => {
    const { urn } = centrePath(request);
    const offerId = idPath(request, 'offerId');
    const offer = await getOffer(
      request.deps,
      request.caller as Caller,
      urn,
      offerId,
    );
    return ok(offerView(offer, request.deps.clock.now()));
  },
});
