// Which folders a client of the contract (the renderer, a browser-mode page) may name as a file:// upload target: only
// one the user chose in the desktop app's native folder dialog (the Electron shell records it here, src-main/shell/
// ipc.ts), each choice good for one upload. A folder typed or sent by a client is never written to; browser mode has
// no dialog, so no folder targets at all (the CLI, whose user names the folder, does not come through here).
import { resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { parseTarget } from '../upload/target'

export class FolderGrants {
  private readonly granted = new Set<string>()

  /** The user chose this folder in the native dialog. */
  add(dir: string): void {
    if (this.granted.size >= 100) this.granted.delete(this.granted.values().next().value!)
    this.granted.add(resolve(dir))
  }

  /** Use up the grant for this folder; false when the user did not choose it. */
  take(dir: string): boolean {
    return this.granted.delete(resolve(dir))
  }
}

/** A client's upload target: a file:// target only to a folder the user chose in the dialog (the grant is used up). */
export function checkClientTarget(
  target: string,
  grants: FolderGrants | undefined,
  mode: 'electron' | 'browser',
): void {
  if (!target.startsWith('file://')) return
  if (mode === 'browser')
    throw new PreflightError(
      'forbidden',
      bi(
        `Browser mode does not write to folders on this computer (${target.slice(0, 200)}): upload to s3:// or docker://, or copy to a folder with the desktop app ("Choose folder…") or the CLI (preflight upload <file> --to file:///folder/).`,
        `浏览器模式不会写入这台电脑上的文件夹（${target.slice(0, 200)}）：请上传到 s3:// 或 docker://，或用桌面应用（“选择文件夹…”）或 CLI（preflight upload <file> --to file:///folder/）复制到文件夹。`,
      ),
    )
  const t = parseTarget(target)
  if (t.kind !== 'folder') return
  if (t.name !== null)
    throw new PreflightError(
      'invalid-input',
      bi(
        `A folder target names the folder only (file:///folder/, chosen with "Choose folder…"); the file keeps its name. Choose the folder again: ${target.slice(0, 200)}`,
        `文件夹目标只指定文件夹（file:///folder/，用“选择文件夹…”选择），文件保留原名。请重新选择文件夹：${target.slice(0, 200)}`,
      ),
    )
  if (!grants?.take(t.dir))
    throw new PreflightError(
      'forbidden',
      bi(
        `${t.dir} was not chosen with "Choose folder…": the app copies only to a folder chosen in that dialog, never to one typed or sent by the page. Choose the folder, then queue the upload again.`,
        `${t.dir} 不是用“选择文件夹…”选择的：应用只会复制到在该对话框中选择的文件夹，不会复制到手动输入或由页面发送的文件夹。请选择文件夹，然后重新加入上传队列。`,
      ),
    )
}
