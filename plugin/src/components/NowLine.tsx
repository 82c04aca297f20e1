import { UPlotConfigBuilder } from '@grafana/ui';
import { useChartHook } from './useChartHook';

/**
 * A dashed vertical line at the current time, where the observed data hands over to the
 * forecast on a live dashboard (drawn only when now is inside the axis).
 */
export function NowLine({ config, color }: { config: UPlotConfigBuilder; color: string }) {
  useChartHook(config, 'draw', color, (u, color) => {
    const now = Date.now();
    if (now < (u.scales.x.min ?? Infinity) || now > (u.scales.x.max ?? -Infinity)) {
      return;
    }
    const x = Math.round(u.valToPos(now, 'x', true));
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  });
  return null;
}
