import BoxerSupport
import Foundation
import Yams

/// `format`/`sprintf`/`String#%`: %s %d %i %f %x %o %b %e %% with flags, width and precision.
enum Format {
    /// One pass over the template, one case per conversion (over 80 lines on purpose: the
    /// flags, width and precision of a conversion are read where it is handled).
    static func format(_ template: String, _ values: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> String {
        var output = ""
        var remaining = values[...]
        var characters = template[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            guard character == "%" else {
                output.append(character)
                continue
            }
            if characters.first == "%" {
                output.append("%")
                characters = characters.dropFirst()
                continue
            }
            var flags = ""
            while let flag = characters.first, "-+ 0#".contains(flag) {
                flags.append(flag)
                characters = characters.dropFirst()
            }
            var width = ""
            while let digit = characters.first, digit.isNumber {
                width.append(digit)
                characters = characters.dropFirst()
            }
            var precision: Int?
            if characters.first == "." {
                characters = characters.dropFirst()
                var digits = ""
                while let digit = characters.first, digit.isNumber {
                    digits.append(digit)
                    characters = characters.dropFirst()
                }
                precision = Int(digits) ?? 0
            }
            guard let conversion = characters.first else {
                throw interpreter.error("incomplete format specifier in \"\(template)\"", at: location, className: "ArgumentError")
            }
            characters = characters.dropFirst()
            guard let value = remaining.first else {
                throw interpreter.error("too few arguments for format \"\(template)\"", at: location, className: "ArgumentError")
            }
            remaining = remaining.dropFirst()
            var body: String
            switch conversion {
            case "s":
                body = try interpreter.stringify(value, at: location)
                if let precision { body = String(body.prefix(precision)) }
            case "p": body = value.inspect
            case "d", "i", "u":
                let number: Int
                switch value {
                case .int(let v): number = v
                case .float(let v) where v.isFinite && abs(v) < 9e18: number = Int(v.rounded(.down))
                case .string(let v):
                    guard let parsed = Int(v) else {
                        throw interpreter.error("invalid value for Integer(): \"\(v)\"", at: location, className: "ArgumentError")
                    }
                    number = parsed
                default: throw interpreter.error("can't convert \(value.typeName) into Integer", at: location, className: "TypeError")
                }
                body = String(number.magnitude)
                if let precision, body.count < min(precision, 10_000) {
                    body = String(repeating: "0", count: min(precision, 10_000) - body.count) + body
                }
                if number < 0 {
                    body = "-" + body
                } else if flags.contains("+") {
                    body = "+" + body
                } else if flags.contains(" ") {
                    body = " " + body
                }
            case "f", "e", "g":
                guard let number = Builtins.numeric(value) ?? (value.text.isEmpty ? nil : Double(value.text)) else {
                    throw interpreter.error("can't convert \(value.typeName) into Float", at: location, className: "TypeError")
                }
                body = String(format: "%\(flags.contains("+") ? "+" : "").\(min(precision ?? 6, 30))\(conversion)", number)
            case "x", "X", "o", "b":
                guard case .int(let number) = value else {
                    throw interpreter.error("can't convert \(value.typeName) into Integer", at: location, className: "TypeError")
                }
                let radix = conversion == "o" ? 8 : conversion == "b" ? 2 : 16
                body = String(number.magnitude, radix: radix, uppercase: conversion == "X")
                if let precision, body.count < min(precision, 10_000) {
                    body = String(repeating: "0", count: min(precision, 10_000) - body.count) + body
                }
                if number < 0 { body = "-" + body }
            case "c": body = value.text.prefix(1).description
            default:
                throw interpreter.error("malformed format string - %\(conversion)", at: location, className: "ArgumentError")
            }
            if let target = Int(width), target <= 10_000, body.count < target {
                let padding = target - body.count
                if flags.contains("-") {
                    body += String(repeating: " ", count: padding)
                } else if flags.contains("0"), "dfiuxXobe".contains(conversion) {
                    let sign = body.first == "-" || body.first == "+" ? String(body.removeFirst()) : ""
                    body = sign + String(repeating: "0", count: padding) + body
                } else {
                    body = String(repeating: " ", count: padding) + body
                }
            }
            output += body
        }
        return output
    }
}
