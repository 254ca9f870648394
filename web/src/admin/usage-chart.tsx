// Tokens per day as stacked bars (input, output) with a y axis in tokens, gridlines, dates under the
// bars, and a legend; every day of the period has its place, days without use included.
import { useNarrow } from "../app-shell.tsx";
import { formatTokens, type UsageRow } from "./usage-format.ts";

const margin = { top: 16, right: 12, bottom: 44, left: 56 };

/** A round top for the y axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 10;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function UsageChart({ rows, days }: { rows: UsageRow[]; days: number }) {
  // Drawn narrower on phones, so its labels keep a readable size when the chart fills the screen.
  const narrow = useNarrow();
  const width = narrow ? 360 : 720;
  const height = narrow ? 240 : 260;
  const dayMs = 24 * 3600 * 1000;
  const end = Math.ceil(Date.now() / dayMs) * dayMs;
  const series = Array.from({ length: days }, (_, index) => {
    const day = new Date(end - (days - index) * dayMs).toISOString().slice(0, 10);
    const today = rows.filter((row) => row.day === day);
    return {
      day,
      input: today.reduce((sum, row) => sum + row.input_tokens, 0),
      output: today.reduce((sum, row) => sum + row.output_tokens, 0),
    };
  });
  const top = niceCeiling(Math.max(...series.map((point) => point.input + point.output)));
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const slot = plotWidth / series.length;
  const bar = Math.max(2, slot * 0.6);
  const y = (tokens: number) => margin.top + plotHeight - (tokens / top) * plotHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => share * top);
  const labelEvery = Math.ceil(series.length / (narrow ? 4 : 8));
  const total = series.reduce((sum, point) => sum + point.input + point.output, 0);
  return (
    <figure className="chart-figure">
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Tokens per day for the last ${days} days: ${formatTokens(total)} tokens in all`}
      >
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="grid" x1={margin.left} x2={width - margin.right} y1={y(tick)} y2={y(tick)} />
            <text x={margin.left - 6} y={y(tick) + 4} textAnchor="end">
              {formatTokens(tick)}
            </text>
          </g>
        ))}
        <line
          className="axis"
          x1={margin.left}
          x2={margin.left}
          y1={margin.top}
          y2={margin.top + plotHeight}
        />
        <line
          className="axis"
          x1={margin.left}
          x2={width - margin.right}
          y1={margin.top + plotHeight}
          y2={margin.top + plotHeight}
        />
        {series.map((point, index) => {
          const x = margin.left + index * slot + (slot - bar) / 2;
          return (
            <g key={point.day}>
              <rect className="bar" x={x} y={y(point.input)} width={bar} height={y(0) - y(point.input)}>
                <title>{`${point.day}: ${point.input} input tokens`}</title>
              </rect>
              <rect
                className="bar output"
                x={x}
                y={y(point.input + point.output)}
                width={bar}
                height={y(point.input) - y(point.input + point.output)}
              >
                <title>{`${point.day}: ${point.output} output tokens`}</title>
              </rect>
              {index % labelEvery === 0 && (
                <text x={x + bar / 2} y={margin.top + plotHeight + 16} textAnchor="middle">
                  {point.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
        <text
          className="axis-title"
          x={14}
          y={margin.top + plotHeight / 2}
          transform={`rotate(-90 14 ${margin.top + plotHeight / 2})`}
          textAnchor="middle"
        >
          Tokens
        </text>
        <text className="axis-title" x={margin.left + plotWidth / 2} y={height - 6} textAnchor="middle">
          Day (UTC, month-day)
        </text>
      </svg>
      <figcaption>
        <ul className="legend">
          <li>
            <span className="legend-swatch" aria-hidden="true" />
            Input tokens
          </li>
          <li>
            <span className="legend-swatch output" aria-hidden="true" />
            Output tokens
          </li>
        </ul>
      </figcaption>
    </figure>
  );
}
