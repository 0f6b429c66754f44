// Messages for the user go as window/showMessage notifications: nothing to answer, so a client
// that rejects window/showMessageRequest (or never answers it) cannot fail or block the server.

import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver';

export function showMessage(connection: Connection, type: 'info' | 'warning' | 'error', message: string): void {
  const messageType = type === 'error' ? MessageType.Error : type === 'warning' ? MessageType.Warning : MessageType.Info;
  void connection.sendNotification(ShowMessageNotification.type, { type: messageType, message }).catch(() => undefined);
}
