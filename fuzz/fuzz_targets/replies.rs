//! What a login service or a server-first protocol says: greetings (telnet negotiation, SSH, FTP,
//! SMTP, IMAP, POP3, login prompts), telnet text and prompts, FTP/SMTP reply codes and EHLO
//! mechanisms, MQTT CONNACK, ADB headers, sign-in forms and Digest challenges.
#![no_main]
use libfuzzer_sys::fuzz_target;
use iotvet_wire::{adb, form, greeting, mqtt, telnet};

fuzz_target!(|data: &[u8]| {
    let _ = greeting::read(data);
    let _ = greeting::reply_code(data);
    let _ = greeting::reply_complete(data);
    let text = telnet::text(data);
    let _ = telnet::prompt_kind(&text);
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let _ = greeting::smtp_auth_mechanisms(&lines);
    for line in &lines {
        let _ = (greeting::is_last_reply_line(line), greeting::line_code(line), greeting::logins_disallowed(line));
        let _ = greeting::imap_quoted(line);
    }
    let _ = mqtt::connack(data);
    let _ = mqtt::read_connect(data);
    let _ = mqtt::topics(data, 16);
    let _ = adb::command(data);
    let lossy = String::from_utf8_lossy(data);
    let _ = form::login_form(&lossy);
    let _ = form::challenge_params(&lossy);
    let _ = mqtt::connect(&lossy, Some((&lossy, &lossy)));
});
