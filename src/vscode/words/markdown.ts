import * as vscode from 'vscode';
import { inertText } from '../../core/text';

/**
 * Tooltips are Markdown. Ours are built from our own words (`appendMarkdown`) and from text that
 * came over the wire or from settings (`appendWire`): never trusted, no HTML, no theme icons, and
 * every value escaped and made inert, so a value cannot become a link, a command or an icon.
 */
export function untrustedMarkdown(): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}

/** Appends text from the wire or from settings as plain text. */
export function appendWire(md: vscode.MarkdownString, text: string): vscode.MarkdownString {
  return md.appendText(inertText(text));
}

/** Text from the wire shown as a block of code: it must not close the fence it is shown in. */
export function appendWireBlock(md: vscode.MarkdownString, text: string): vscode.MarkdownString {
  return md.appendCodeblock(inertText(text).replace(/`{3,}/g, (fence) => fence.split('').join('\u200b')), 'text');
}

/** Escapes Markdown syntax in a short text placed inside our own Markdown (a bold headline). */
export function escapeMarkdown(text: string): string {
  return inertText(text).replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}
