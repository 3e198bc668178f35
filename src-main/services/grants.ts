// Which folders a client of the contract (the renderer, a browser-mode page) may name as a file:// upload target: only
// one the user chose in the desktop app's native folder dialog (the Electron shell records it here, src-main/shell/
// ipc.ts), each choice good for one upload. A folder typed or sent by a client is never written to; browser mode has
// no dialog, so no folder targets at all (the CLI, whose user names the folder, does not come through here).
import { resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
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
      `Browser mode does not write to folders on this computer (${target.slice(0, 200)}): upload to s3:// or docker://, or copy to a folder with the desktop app ("Choose folder…") or the CLI (preflight upload <file> --to file:///folder/).`,
    )
  const t = parseTarget(target)
  if (t.kind !== 'folder') return
  if (t.name !== null)
    throw new PreflightError(
      'invalid-input',
      `A folder target names the folder only (file:///folder/, chosen with "Choose folder…"); the file keeps its name: ${target.slice(0, 200)}`,
    )
  if (!grants?.take(t.dir))
    throw new PreflightError(
      'forbidden',
      `${t.dir} was not chosen with "Choose folder…": the app copies only to a folder chosen in that dialog, never to one typed or sent by the page. Choose the folder, then queue the upload again.`,
    )
}
