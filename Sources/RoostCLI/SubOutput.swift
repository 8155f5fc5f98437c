import Foundation
import NIOCore
import RoostClient
import RoostProtocol

/// How `roost sub` prints one message. JSON lines follow the wire protocol's payload rule, so that a line
/// reads like the `message` frame it came from: a payload that is valid JSON is embedded as a JSON value in
/// `data`, anything else is base64 in `data_b64`; a key that is UTF-8 is a string in `key`, else `key_b64`.
enum SubOutput {
    /// The payload bytes followed by a newline.
    static func rawLine(_ message: ReceivedMessage) -> Data {
        var line = Data(message.data.readableBytesView)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// One JSON object on one line (keys sorted, so output is stable), newline included.
    static func jsonLine(_ message: ReceivedMessage) -> Data {
        var object: [String: Any] = ["topic": message.topic, "offset": message.offset, "timestamp": message.timestamp]
        if let key = message.key {
            if let text = String(validating: key.readableBytesView, as: UTF8.self) {
                object["key"] = text
            } else {
                object["key_b64"] = Data(key.readableBytesView).base64EncodedString()
            }
        }
        if !message.headers.isEmpty {
            object["headers"] = Dictionary(message.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        }
        let isJSON = message.data.withUnsafeReadableBytes { JSONValidator.isValid($0) }
        if !isJSON { object["data_b64"] = Data(message.data.readableBytesView).base64EncodedString() }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return Data() }
        if isJSON {
            // "data" sorts before every other key: splice the payload's own JSON text in right after "{". In valid
            // JSON a CR or LF can only be whitespace (strings escape them), so dropping them keeps one line per message.
            var spliced = Data("{\"data\":".utf8)
            spliced.append(contentsOf: message.data.readableBytesView.lazy.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") })
            spliced.append(UInt8(ascii: ","))
            spliced.append(line.dropFirst())
            line = spliced
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }
}
