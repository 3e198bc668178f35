// Pictures of a scan's image facts, drawn with the shared Chart: the layer sizes of each image in a container
// package (facts.containers.images[].layerSizes, bottom layer first) and a VM image's disk usage (virtual size,
// allocated guest bytes where the format tells them, the file on disk).
import { BarChart, type ChartBar } from '../Chart'
import { defineMessages, useFormat, useT } from '../../i18n'

const messages = defineMessages({
  en: {
    layers: 'Layer sizes of {image} (as stored)',
    layer: 'Layer {n}',
    disk: 'Disk usage',
    virtual: 'Virtual size',
    allocated: 'Allocated',
    file: 'File on disk',
  },
  'zh-CN': {
    layers: '{image} 的各层大小（存储）',
    layer: '第 {n} 层',
    disk: '磁盘用量',
    virtual: '虚拟大小',
    allocated: '已分配',
    file: '磁盘上的文件',
  },
})

export interface LayerImage {
  location: string
  tags: string[]
  layerSizes?: Array<{ digest: string; compressed: number; uncompressed: number | null }>
}

/** One bar chart per image of a container package; nothing when the scan found no image. */
export function LayerCharts({ images }: { images: LayerImage[] | undefined }) {
  const t = useT(messages)
  const num = useFormat()
  const shown = (images ?? []).filter((img) => img.layerSizes?.length)
  if (!shown.length) return null
  return (
    <div className="card charts" data-testid="layer-charts">
      {shown.map((img) => {
        // the image's file inside the package (the last level of its location), and its tags
        const file = img.location.split('!').pop() || img.location
        const name = img.tags.length ? `${file} (${img.tags.join(', ')})` : file
        const bars: ChartBar[] = img.layerSizes!.map((l, i) => ({
          label: `${t('layer', { n: num.number(i + 1) })} · ${l.digest.replace(/^sha256:/, '').slice(0, 12)}`,
          value: l.compressed,
        }))
        return (
          <BarChart
            key={img.location}
            title={t('layers', { image: name })}
            bars={bars}
            format={num.bytes}
            testId="layer-chart"
          />
        )
      })}
    </div>
  )
}

/** A VM image's virtual size against what it holds and what its file takes on disk. */
export function DiskUsageChart({
  virtualSize,
  allocatedSize,
  fileSize,
}: {
  virtualSize: number | undefined
  allocatedSize: number | null | undefined
  fileSize: number
}) {
  const t = useT(messages)
  const num = useFormat()
  if (virtualSize === undefined) return null
  const bars: ChartBar[] = [{ label: t('virtual'), value: virtualSize, tone: 'bar-muted' }]
  if (allocatedSize !== null && allocatedSize !== undefined)
    bars.push({ label: t('allocated'), value: allocatedSize, tone: 'bar-info' })
  bars.push({ label: t('file'), value: fileSize, tone: 'bar-accent' })
  return <BarChart title={t('disk')} bars={bars} format={num.bytes} testId="disk-chart" />
}
