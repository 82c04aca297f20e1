import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Button, ClipboardButton, Modal, useStyles2 } from '@grafana/ui';
import type { AlertRuleOptions } from '../wasm/foresight_wasm';
import type { IncidentRow } from './IncidentsView';

interface Props {
  /** Builds the rule options, or says why rules cannot be made for this panel. */
  ruleOptions: () => AlertRuleOptions | string;
  generateRules: (options: AlertRuleOptions) => Promise<{ yaml: string }>;
  incidents: IncidentRow[];
  panelId: number;
}

/** The alerting path out of the browser: Prometheus rules to copy, incidents saved as annotations. */
export function ActionsBar({ ruleOptions, generateRules, incidents, panelId }: Props) {
  const styles = useStyles2(getStyles);
  const [rules, setRules] = useState<{ yaml?: string; error?: string } | undefined>();
  const [saved, setSaved] = useState<string | undefined>();

  const openRules = () => {
    const options = ruleOptions();
    if (typeof options === 'string') {
      setRules({ error: options });
      return;
    }
    generateRules(options).then(
      (r) => setRules({ yaml: r.yaml }),
      (e) => setRules({ error: e instanceof Error ? e.message : String(e) })
    );
  };

  const saveAnnotations = async () => {
    let ok = 0;
    let failed = '';
    for (const inc of incidents) {
      try {
        await getBackendSrv().post('/api/annotations', {
          panelId,
          time: Math.round(inc.start),
          timeEnd: Math.round(inc.end),
          tags: ['foresight', inc.kind],
          text: `Foresight: ${inc.kind} anomaly (${inc.direction}) on ${inc.seriesName}, peak score ${inc.peakScore.toFixed(1)}`,
        });
        ok++;
      } catch (e) {
        failed = e instanceof Error ? e.message : String((e as { data?: { message?: string } })?.data?.message ?? e);
      }
    }
    setSaved(failed ? `saved ${ok} of ${incidents.length} (${failed})` : `saved ${ok} annotations, tagged "foresight"`);
  };

  return (
    <div className={styles.bar} data-testid="foresight-actions">
      <Button size="sm" variant="secondary" icon="bell" onClick={openRules}>
        Alert rules
      </Button>
      <Button
        size="sm"
        variant="secondary"
        icon="comment-alt"
        disabled={incidents.length === 0}
        onClick={saveAnnotations}
        tooltip="Write the visible incidents to Grafana as annotations tagged foresight"
      >
        Save as annotations
      </Button>
      {saved && <span data-testid="foresight-saved">{saved}</span>}
      {rules && (
        <Modal title="Prometheus alert rules" isOpen onDismiss={() => setRules(undefined)}>
          {rules.error ? (
            <div data-testid="foresight-rules-error">{rules.error}</div>
          ) : (
            <>
              <p>
                Recording and alerting rules that reproduce this panel&apos;s contextual detection for its query: add
                the file to Prometheus&apos; <code>rule_files</code> (check it with <code>promtool check rules</code>).
              </p>
              <pre className={styles.yaml} data-testid="foresight-rules">
                {rules.yaml}
              </pre>
              <Modal.ButtonRow>
                <ClipboardButton icon="copy" getText={() => rules.yaml ?? ''}>
                  Copy
                </ClipboardButton>
              </Modal.ButtonRow>
            </>
          )}
        </Modal>
      )}
    </div>
  );
}

/** Height of the actions bar, and of the panel's status line, which it replaces when an analysis ends. */
export const FOOTER_HEIGHT = 28;

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    height: FOOTER_HEIGHT,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  yaml: css({ maxHeight: 400, overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
});
