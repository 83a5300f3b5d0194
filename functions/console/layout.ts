/**
 * The page every console answer is: GOV.UK's template, header, service
 * navigation (only the sections the staff member's roles use) and
 * footer. No inline script or style: the CSP forbids both.
 */
import { csrfField } from './components.js';
import { type HtmlValue, html, type SafeHtml } from './html.js';

export const serviceName = 'Issue Education Records';

export type Section = 'students' | 'reports' | 'admin';

export interface Viewer {
  csrfToken: string;
  /** Sections of the navigation this member of staff may use. */
  sections: readonly Section[];
  centreName?: string;
}

export interface PageOptions {
  title: string;
  assetsUrl: string;
  content: HtmlValue;
  viewer?: Viewer;
  active?: Section;
  /** A page whose form has errors: the title says so first. */
  hasErrors?: boolean;
  /** Content before the main heading (a back link). */
  beforeContent?: HtmlValue;
}

const sectionLinks: Record<Section, { href: string; text: string }> = {
  students: { href: '/console/students', text: 'My students' },
  reports: { href: '/console/reports', text: 'My error reports' },
  admin: { href: '/console/admin', text: 'Centre administration' },
};

function navigation(viewer: Viewer | undefined, active?: Section) {
  const items = (viewer?.sections ?? []).map((section) => {
    const link = sectionLinks[section];
    const current = section === active;
    return html`<li class="govuk-service-navigation__item${current ? ' govuk-service-navigation__item--active' : ''}">
      <a class="govuk-service-navigation__link" href="${link.href}"${current ? html` aria-current="page"` : ''}>${current ? html`<strong class="govuk-service-navigation__active-fallback">${link.text}</strong>` : link.text}</a>
    </li>`;
  });

  return html`<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
  <div class="govuk-width-container">
    <div class="govuk-service-navigation__container">
      <span class="govuk-service-navigation__service-name">
        <a href="/console" class="govuk-service-navigation__link">${serviceName}</a>
      </span>
      ${
        viewer
          ? html`<nav aria-label="Menu" class="govuk-service-navigation__wrapper">
        <button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" aria-controls="navigation" hidden aria-hidden="true">Menu</button>
        <ul class="govuk-service-navigation__list" id="navigation">
          ${items}
          <li class="govuk-service-navigation__item">
            <form method="post" action="/console/sign-out" class="console-sign-out">
              ${csrfField(viewer.csrfToken)}
              <button type="submit" class="govuk-service-navigation__link console-link-button">Sign out</button>
            </form>
          </li>
        </ul>
      </nav>`
          : ''
      }
    </div>
  </div>
</section>`;
}

export function page(o: PageOptions): string {
  const assets = o.assetsUrl;
  const title = `${o.hasErrors ? 'Error: ' : ''}${o.title} – ${serviceName}`;

  return html`<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <title>${title}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <meta name="theme-color" content="#1d70b8">
  <meta name="robots" content="noindex, nofollow">
  <link rel="icon" sizes="48x48" href="${assets}/assets/images/favicon.ico">
  <link rel="stylesheet" href="${assets}/govuk-frontend.min.css">
  <link rel="stylesheet" href="${assets}/console.css">
  <script type="module" src="${assets}/console.js"></script>
</head>
<body class="govuk-template__body">
  <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
  <header class="govuk-header">
    <div class="govuk-header__container govuk-width-container">
      <div class="govuk-header__logo">
        <a href="/console" class="govuk-header__homepage-link">
          <span class="govuk-header__product-name console-product-name">Education Records</span>
        </a>
      </div>
    </div>
  </header>
  ${navigation(o.viewer, o.active)}
  <div class="govuk-width-container">
    ${o.viewer?.centreName ? html`<p class="govuk-body-s console-centre-name">${o.viewer.centreName}</p>` : ''}
    ${o.beforeContent ?? ''}
    <main class="govuk-main-wrapper" id="main-content">
      ${o.content}
    </main>
  </div>
  <footer class="govuk-footer">
    <div class="govuk-width-container">
      <div class="govuk-footer__meta">
        <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
          <p class="govuk-body-s">${serviceName}: a secure copy of each student's education record, in their Education Record app.</p>
        </div>
      </div>
    </div>
  </footer>
</body>
</html>`.value;
}

/** A page heading with an optional caption. */
export function heading(text: string, caption?: string): SafeHtml {
  return html`${caption ? html`<span class="govuk-caption-l">${caption}</span>` : ''}<h1 class="govuk-heading-l">${text}</h1>`;
}
