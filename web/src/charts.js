// Apache ECharts with only the parts the pages draw (bars, lines, pies, a
// treemap), rendered to canvas, with ECharts' aria descriptions for screen
// readers. Every chart on a page has a table beside it with the same figures.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart, TreemapChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, TreemapChart, AriaComponent, GridComponent, LegendComponent,
  TitleComponent, TooltipComponent, CanvasRenderer]);

const live = new Set();
window.addEventListener('resize', () => { for (const c of live) c.resize(); });

// Draws `option` into `el` once it is in the document; returns the chart.
export function chart(el, option, onClick) {
  for (const c of live) {
    if (!document.body.contains(c.getDom())) { c.dispose(); live.delete(c); }
  }
  const c = echarts.init(el, null, { renderer: 'canvas' });
  c.setOption({ aria: { enabled: true }, animation: false, ...option });
  if (onClick) c.on('click', onClick);
  live.add(c);
  el.dataset.chart = 'ready';
  return c;
}

// For tooltip formatters, which ECharts inserts as HTML: every value from
// the data goes through this.
export const escapeHtml = (text) => echarts.format.encodeHTML(String(text ?? ''));

// Status colours shared by every chart (colour-blind safe, with labels too).
export const COLORS = {
  certified: '#2e7d32', due: '#f9a825', lapsed: '#c62828', uncertified: '#6d4c41', deceased: '#546e7a',
  payable: '#1565c0', suspended: '#ef6c00', terminated: '#455a64', stopped: '#8e24aa',
};
