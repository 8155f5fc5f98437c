/// The members of a `publish` frame or `publish_batch` element that make its entry, found in one pass.
///
/// Same rules as `JSONFields.find`: the last member with a name wins, and `null` counts as absent, except for
/// `data`, where `null` is a payload.
struct PublishEntryMembers {
    var key: JSONScanner.Value?
    var keyBase64: JSONScanner.Value?
    var headers: JSONScanner.Value?
    var dedupID: JSONScanner.Value?
    var data: JSONScanner.Value?
    var dataBase64: JSONScanner.Value?

    init(_ fields: JSONFields) {
        let scanner = fields.scanner
        for member in fields.members {
            let key = member.key
            let value = member.value
            // Names are told apart by length first; an escaped name (rare) is compared in full.
            switch key.escaped ? -1 : key.end - key.start - 2 {
            case 3: if scanner.stringEquals(key, "key") { self.key = value }
            case 4: if scanner.stringEquals(key, "data") { data = value }
            case 7:
                if scanner.stringEquals(key, "key_b64") { keyBase64 = value }
                else if scanner.stringEquals(key, "headers") { headers = value }
            case 8:
                if scanner.stringEquals(key, "data_b64") { dataBase64 = value }
                else if scanner.stringEquals(key, "dedup_id") { dedupID = value }
            case -1:
                if scanner.stringEquals(key, "key") { self.key = value }
                else if scanner.stringEquals(key, "data") { data = value }
                else if scanner.stringEquals(key, "key_b64") { keyBase64 = value }
                else if scanner.stringEquals(key, "headers") { headers = value }
                else if scanner.stringEquals(key, "data_b64") { dataBase64 = value }
                else if scanner.stringEquals(key, "dedup_id") { dedupID = value }
            default: break
            }
        }
        key = Self.absentIfNull(key)
        keyBase64 = Self.absentIfNull(keyBase64)
        headers = Self.absentIfNull(headers)
        dedupID = Self.absentIfNull(dedupID)
        dataBase64 = Self.absentIfNull(dataBase64)
    }

    private static func absentIfNull(_ value: JSONScanner.Value?) -> JSONScanner.Value? {
        value?.kind == .null ? nil : value
    }
}
