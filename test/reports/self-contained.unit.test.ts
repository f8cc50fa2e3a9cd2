import { expect } from 'chai';
import { stripAnalytics } from '../../reports/self-contained.js';

describe('reports: the report page loads nothing from third parties', () => {
  const page = (analytics: string) => `<html><body>\n    <div id="app"></div>\n    <script src="data:text/javascript;base64,AAAA"></script>${analytics}\n    <script>window.allureReportData = {};</script>\n</body></html>`;
  const gtag = `
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
        gtag('config', 'G-LNDJ3J7WT0', {
          "report": "awesome",
          "single_file": "true"
        });
    </script>`;

  it("removes Allure's analytics loader and config, and only them", () => {
    const { html, removed } = stripAnalytics(page(gtag));
    expect(removed).to.equal(2);
    expect(html).to.equal(page(''));
  });

  it('leaves a page without them as it is', () => {
    expect(stripAnalytics(page(''))).to.deep.equal({ html: page(''), removed: 0 });
  });
});
