// The tiny SVG chart writer: well-formed SVG with every label escaped, bars scaled to a round axis.
import { describe, expect, it } from 'vitest'
import { barChartSvg, escapeXml, lineChartSvg, niceMax, shortNumber } from './svg.js'

describe('helpers', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(1.5)).toBe(2)
    expect(niceMax(3_400_000)).toBe(5_000_000)
    expect(niceMax(7000)).toBe(10_000)
  })
  it('writes short numbers without losing zeros', () => {
    expect(shortNumber(250_000)).toBe('250k')
    expect(shortNumber(1_000_000)).toBe('1M')
    expect(shortNumber(3_456_789)).toBe('3.46M')
    expect(shortNumber(0.5)).toBe('0.5')
  })
  it('escapes XML', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;')
  })
})

describe('barChartSvg', () => {
  it('draws one bar per value with its height proportional to the value', () => {
    const svg = barChartSvg({ title: 'T <1>', unit: 'records/s', categories: ['produce'], series: [{ name: 'a', values: [500] }, { name: 'b', values: [1000] }] })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('T &lt;1&gt;')
    const heights = [...svg.matchAll(/<rect class="bar" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g)].map((m) => Number(m[1]))
    expect(heights).toHaveLength(2)
    expect(heights[1]).toBeCloseTo(heights[0]! * 2, 0)
  })
  it('leaves out missing values', () => {
    const svg = barChartSvg({ title: 'T', unit: 'u', categories: ['x', 'y'], series: [{ name: 'a', values: [1, undefined] }] })
    expect([...svg.matchAll(/<rect class="bar" /g)]).toHaveLength(1)
  })
})

describe('log scale', () => {
  it('puts each power of ten one step higher', () => {
    const svg = barChartSvg({ title: 'L', unit: 'ms', log: true, categories: ['p99'], series: [{ name: 'a', values: [1] }, { name: 'b', values: [10] }, { name: 'c', values: [100] }] })
    const heights = [...svg.matchAll(/<rect class="bar" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g)].map((m) => Number(m[1]))
    expect(heights).toHaveLength(3)
    expect(heights[2]! - heights[1]!).toBeCloseTo(heights[1]! - heights[0]!, 0)
    expect(heights[2]).toBeGreaterThan(heights[1]!)
  })
})

describe('lineChartSvg', () => {
  it('draws a polyline through the points of each series', () => {
    const svg = lineChartSvg({ title: 'P', unit: 'records/s', xTitle: 'partitions', xLabels: ['1', '2', '4'], series: [{ name: 's', values: [1, 2, 3] }] })
    const points = /<polyline[^>]*points="([^"]+)"/.exec(svg)![1]!.split(' ')
    expect(points).toHaveLength(3)
    const ys = points.map((p) => Number(p.split(',')[1]))
    expect(ys[0]).toBeGreaterThan(ys[1]!)
    expect(ys[1]).toBeGreaterThan(ys[2]!)
  })
})
