//! Frame layer tests, named after the RFC 9113 section each one checks.

use super::*;
use crate::ErrorCode;
use bytes::BytesMut;
use proptest::prelude::*;

/// Raw frame bytes from a header and a payload, for malformed-input tests.
fn raw(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> BytesMut {
    let mut out = BytesMut::new();
    FrameHeader {
        length: payload.len() as u32,
        kind: FrameType::new(kind),
        flags,
        stream_id: StreamId::new(stream),
    }
    .encode(&mut out);
    out.extend_from_slice(payload);
    out
}

fn decode_one(mut wire: BytesMut) -> Result<Frame, FrameError> {
    let mut decoder = FrameDecoder::new();
    let frame = decoder.decode(&mut wire)?.expect("a whole frame");
    assert!(wire.is_empty(), "frame left {} bytes behind", wire.len());
    Ok(frame)
}

fn expect_err(wire: BytesMut, code: ErrorCode, scope: ErrorScope) -> FrameErrorKind {
    let err = decode_one(wire).expect_err("must be rejected");
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(err.scope(), scope, "{err}");
    err.kind()
}

const CONN: ErrorScope = ErrorScope::Connection;

fn encoded(frame: &Frame) -> BytesMut {
    let mut out = BytesMut::new();
    frame.encode(&mut out);
    out
}

// ---- §4.1 / §4.2: frame format and size ----

#[test]
fn rfc9113_4_2_frame_larger_than_max_frame_size_is_frame_size_error() {
    let wire = raw(0x0, 0, 1, &[0; 16_385]);
    let kind = expect_err(wire, ErrorCode::FRAME_SIZE_ERROR, CONN);
    assert_eq!(
        kind,
        FrameErrorKind::TooLarge {
            length: 16_385,
            max: 16_384
        }
    );
}

#[test]
fn rfc9113_4_2_oversize_is_detected_from_the_header_alone() {
    // Only the 9 header octets have arrived: the error must not wait for a
    // 16 MB payload to be buffered.
    let mut wire = raw(0x0, 0, 1, &[]);
    wire[0] = 0xff;
    let mut decoder = FrameDecoder::new();
    let err = decoder.decode(&mut wire).unwrap_err();
    assert_eq!(err.code(), ErrorCode::FRAME_SIZE_ERROR);
}

#[test]
fn rfc9113_4_2_frame_of_exactly_max_frame_size_is_accepted() {
    let frame = decode_one(raw(0x0, 0, 1, &[7; 16_384])).unwrap();
    assert!(matches!(frame, Frame::Data(d) if d.payload.len() == 16_384));
}

#[test]
fn rfc9113_4_2_raised_max_frame_size_applies() {
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame_size(1 << 20);
    let mut wire = raw(0x0, 0, 1, &[1; 100_000]);
    assert!(decoder.decode(&mut wire).unwrap().is_some());
}

#[test]
fn rfc9113_4_1_unknown_flags_are_ignored() {
    // 0xf0 sets bits DATA does not define.
    let frame = decode_one(raw(0x0, 0xf1, 1, b"x")).unwrap();
    let Frame::Data(data) = frame else { panic!() };
    assert!(data.end_stream);
    assert_eq!(
        data.flags(),
        flags::END_STREAM,
        "unused flags are not re-sent"
    );
}

#[test]
fn rfc9113_4_1_reserved_bit_is_zero_on_write() {
    let frame = Frame::WindowUpdate(WindowUpdate {
        stream_id: StreamId::new(u32::MAX),
        increment: 10,
    });
    let wire = encoded(&frame);
    assert_eq!(wire[5] & 0x80, 0);
}

// ---- §5.5: extensions ----

#[test]
fn rfc9113_5_5_unknown_frame_types_are_surfaced_for_ignoring() {
    let frame = decode_one(raw(0xfa, 0x3, 5, b"opaque")).unwrap();
    let Frame::Unknown(unknown) = &frame else {
        panic!()
    };
    assert_eq!(unknown.kind.code(), 0xfa);
    assert_eq!(&unknown.payload[..], b"opaque");
    assert_eq!(encoded(&frame), raw(0xfa, 0x3, 5, b"opaque"));
}

// ---- §6.1 DATA ----

#[test]
fn rfc9113_6_1_data_on_stream_zero_is_protocol_error() {
    let kind = expect_err(raw(0x0, 0, 0, b"x"), ErrorCode::PROTOCOL_ERROR, CONN);
    assert_eq!(kind, FrameErrorKind::StreamIdRequired);
}

#[test]
fn rfc9113_6_1_padding_as_long_as_payload_is_protocol_error() {
    // Pad Length 3 with only 3 octets left after it: padding would fill the
    // payload, which the RFC forbids ("the length of the frame payload or
    // greater" counts the pad length octet too, so 3+1 = 4 ≥ 4).
    let kind = expect_err(
        raw(0x0, flags::PADDED, 1, &[4, 0, 0, 0]),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
    assert_eq!(kind, FrameErrorKind::PaddingTooLong);
}

#[test]
fn rfc9113_6_1_padding_is_stripped_and_counted_for_flow_control() {
    let frame = decode_one(raw(0x0, flags::PADDED, 1, &[2, b'h', b'i', 0, 0])).unwrap();
    let Frame::Data(data) = frame else { panic!() };
    assert_eq!(&data.payload[..], b"hi");
    assert_eq!(data.pad_len, Some(2));
    assert_eq!(data.flow_controlled_len(), 5);
}

#[test]
fn rfc9113_6_1_padded_flag_without_pad_length_is_frame_size_error() {
    expect_err(
        raw(0x0, flags::PADDED, 1, &[]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_1_payload_is_a_slice_of_the_input_not_a_copy() {
    let mut wire = raw(0x0, 0, 1, &[9; 1000]);
    let start = wire.as_ptr() as usize;
    let mut decoder = FrameDecoder::new();
    let Some(Frame::Data(data)) = decoder.decode(&mut wire).unwrap() else {
        panic!()
    };
    assert_eq!(data.payload.as_ptr() as usize, start + FRAME_HEADER_LEN);
}

/// Feeds `wire` in chunks of `sizes` (the rest at the end) and returns the
/// DATA pieces handed out: (payload length, END_STREAM).
fn data_pieces(wire: &[u8], sizes: &[usize], max_frame: u32) -> Vec<(usize, bool)> {
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame_size(max_frame);
    let mut buf = BytesMut::new();
    let mut pieces = Vec::new();
    let mut rest = wire;
    for &size in sizes.iter().chain(std::iter::once(&usize::MAX)) {
        let (now, later) = rest.split_at(size.min(rest.len()));
        rest = later;
        buf.extend_from_slice(now);
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            let Frame::Data(d) = frame else {
                panic!("{frame:?}")
            };
            pieces.push((d.payload.len(), d.end_stream));
        }
    }
    assert!(buf.is_empty() && decoder.is_between_frames());
    pieces
}

#[test]
fn a_large_data_frame_is_handed_out_in_pieces_as_it_arrives() {
    let payload = vec![7u8; 100_000];
    let wire = raw(0x0, flags::END_STREAM, 1, &payload);
    // The header and 40,000 octets, then 40,000, then the rest.
    let pieces = data_pieces(&wire, &[FRAME_HEADER_LEN + 40_000, 40_000], 1 << 20);
    assert_eq!(pieces, [(40_000, false), (40_000, false), (20_000, true)]);
}

#[test]
fn small_pieces_padded_frames_and_default_sized_frames_arrive_whole() {
    let payload = vec![7u8; 100_000];
    // Pieces smaller than DATA_PIECE_MIN wait for more.
    let wire = raw(0x0, flags::END_STREAM, 1, &payload);
    let sizes = [FRAME_HEADER_LEN + 1000, 1000, 1000];
    assert_eq!(data_pieces(&wire, &sizes, 1 << 20), [(100_000, true)]);
    // A padded frame is kept whole: its padding sits at the end.
    let mut padded = vec![10u8];
    padded.extend_from_slice(&payload);
    padded.extend_from_slice(&[0; 10]);
    let wire = raw(0x0, flags::PADDED, 1, &padded);
    let sizes = [FRAME_HEADER_LEN + 50_000];
    assert_eq!(data_pieces(&wire, &sizes, 1 << 20), [(100_000, false)]);
    // A frame of the default maximum size never is split.
    let wire = raw(0x0, 0, 1, &payload[..DATA_PIECE_MIN]);
    let sizes = [FRAME_HEADER_LEN + DATA_PIECE_MIN - 1];
    assert_eq!(
        data_pieces(&wire, &sizes, 1 << 20),
        [(DATA_PIECE_MIN, false)]
    );
}

proptest! {
    /// However a run of DATA frames is cut into reads, the pieces carry
    /// the same bytes, in order, with END_STREAM exactly where the frames
    /// had it.
    #[test]
    fn data_pieces_reassemble_to_the_frames(
        frames in proptest::collection::vec((0usize..70_000, any::<bool>(), proptest::option::of(0u8..20)), 1..4),
        cuts in proptest::collection::vec(1usize..40_000, 0..12),
    ) {
        let mut wire = BytesMut::new();
        let mut want = Vec::new();
        for (i, (len, end, pad)) in frames.iter().enumerate() {
            let payload: Vec<u8> = (0..*len).map(|b| (b + i) as u8).collect();
            let frame = Data { stream_id: StreamId::new(1), end_stream: *end, pad_len: *pad, payload: payload.clone().into() };
            frame.encode(&mut wire);
            want.push((payload, *end));
        }
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame_size(1 << 20);
        let mut buf = BytesMut::new();
        let mut got: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut open = false; // the last piece did not end its frame
        let mut rest = &wire[..];
        for size in cuts.iter().copied().chain(std::iter::once(usize::MAX)) {
            let (now, later) = rest.split_at(size.min(rest.len()));
            rest = later;
            buf.extend_from_slice(now);
            while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                let Frame::Data(d) = frame else { panic!("{frame:?}") };
                if open {
                    let last = got.last_mut().unwrap();
                    last.0.extend_from_slice(&d.payload);
                    last.1 = d.end_stream;
                } else {
                    got.push((d.payload.to_vec(), d.end_stream));
                }
                // A piece ends its frame when the decoder has no frame
                // in progress any more.
                open = !decoder.is_between_frames();
                prop_assert!(!(open && d.end_stream), "END_STREAM on a piece before the last");
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, want);
    }
}

// ---- §6.2 HEADERS ----

#[test]
fn rfc9113_6_2_headers_on_stream_zero_is_protocol_error() {
    expect_err(
        raw(0x1, flags::END_HEADERS, 0, b"\x82"),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_2_priority_block_and_padding_are_parsed() {
    let payload = [1, 0x80, 0, 0, 3, 15, 0x82, 0];
    let flags = flags::PADDED | flags::PRIORITY | flags::END_HEADERS | flags::END_STREAM;
    let Frame::Headers(h) = decode_one(raw(0x1, flags, 5, &payload)).unwrap() else {
        panic!()
    };
    assert_eq!(
        h.priority,
        Some(PriorityBlock {
            exclusive: true,
            dependency: StreamId::new(3),
            weight: 15
        })
    );
    assert_eq!(&h.fragment[..], &[0x82]);
    assert!(h.end_stream && h.end_headers);
}

#[test]
fn rfc9113_6_2_padding_that_eats_the_priority_block_is_protocol_error() {
    let payload = [5, 0, 0, 0, 3, 15, 0];
    let flags = flags::PADDED | flags::PRIORITY | flags::END_HEADERS;
    expect_err(
        raw(0x1, flags, 5, &payload),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_2_priority_flag_without_room_for_the_block_is_frame_size_error() {
    expect_err(
        raw(0x1, flags::PRIORITY, 5, &[0, 0, 0]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_2_headers_without_end_headers_must_be_followed_by_continuation() {
    let mut wire = raw(0x1, 0, 1, b"\x82");
    wire.extend_from_slice(&raw(0x0, 0, 1, b"data"));
    let mut decoder = FrameDecoder::new();
    assert!(decoder.decode(&mut wire).unwrap().is_some());
    let err = decoder.decode(&mut wire).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PROTOCOL_ERROR);
    assert!(err.is_connection_error());
    assert!(matches!(
        err.kind(),
        FrameErrorKind::ExpectedContinuation { .. }
    ));
}

#[test]
fn rfc9113_6_2_continuation_on_a_different_stream_is_protocol_error() {
    let mut wire = raw(0x1, 0, 1, b"\x82");
    wire.extend_from_slice(&raw(0x9, flags::END_HEADERS, 3, b"\x84"));
    let mut decoder = FrameDecoder::new();
    decoder.decode(&mut wire).unwrap();
    assert_eq!(
        decoder.decode(&mut wire).unwrap_err().code(),
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn rfc9113_6_2_headers_with_self_dependency_is_returned_for_the_connection_to_reset() {
    // The field block must still reach HPACK, so the frame layer does not
    // drop it; the connection answers with a stream error.
    let payload = [0, 0, 0, 1, 15, 0x82];
    let frame = decode_one(raw(0x1, flags::PRIORITY | flags::END_HEADERS, 1, &payload)).unwrap();
    let Frame::Headers(h) = frame else { panic!() };
    assert_eq!(h.priority.unwrap().dependency, h.stream_id);
}

// ---- §6.3 PRIORITY ----

#[test]
fn rfc9113_6_3_priority_on_stream_zero_is_protocol_error() {
    expect_err(
        raw(0x2, 0, 0, &[0, 0, 0, 1, 0]),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_3_priority_of_wrong_length_is_stream_frame_size_error() {
    let scope = ErrorScope::Stream(StreamId::new(3));
    expect_err(
        raw(0x2, 0, 3, &[0, 0, 0, 1]),
        ErrorCode::FRAME_SIZE_ERROR,
        scope,
    );
    expect_err(
        raw(0x2, 0, 3, &[0, 0, 0, 1, 0, 0]),
        ErrorCode::FRAME_SIZE_ERROR,
        scope,
    );
}

#[test]
fn rfc9113_5_3_1_stream_depending_on_itself_is_stream_protocol_error() {
    let scope = ErrorScope::Stream(StreamId::new(3));
    let kind = expect_err(
        raw(0x2, 0, 3, &[0, 0, 0, 3, 0]),
        ErrorCode::PROTOCOL_ERROR,
        scope,
    );
    assert_eq!(kind, FrameErrorKind::SelfDependency);
}

#[test]
fn rfc9113_5_4_2_stream_error_leaves_the_decoder_usable() {
    let mut wire = raw(0x2, 0, 3, &[0, 0, 0, 1]);
    wire.extend_from_slice(&raw(0x6, 0, 0, &[0; 8]));
    let mut decoder = FrameDecoder::new();
    assert!(!decoder.decode(&mut wire).unwrap_err().is_connection_error());
    assert!(matches!(
        decoder.decode(&mut wire),
        Ok(Some(Frame::Ping(_)))
    ));
}

// ---- §6.4 RST_STREAM ----

#[test]
fn rfc9113_6_4_rst_stream_on_stream_zero_is_protocol_error() {
    expect_err(
        raw(0x3, 0, 0, &[0, 0, 0, 8]),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_4_rst_stream_of_wrong_length_is_frame_size_error() {
    expect_err(
        raw(0x3, 0, 1, &[0, 0, 8]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
    expect_err(
        raw(0x3, 0, 1, &[0, 0, 0, 0, 8]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_7_rst_stream_keeps_unknown_error_codes() {
    let Frame::RstStream(r) = decode_one(raw(0x3, 0, 1, &[0, 0, 0x12, 0x34])).unwrap() else {
        panic!()
    };
    assert_eq!(r.error_code.as_u32(), 0x1234);
}

// ---- §6.5 SETTINGS ----

#[test]
fn rfc9113_6_5_settings_on_a_stream_is_protocol_error() {
    expect_err(raw(0x4, 0, 1, &[]), ErrorCode::PROTOCOL_ERROR, CONN);
}

#[test]
fn rfc9113_6_5_settings_ack_with_payload_is_frame_size_error() {
    let kind = expect_err(
        raw(0x4, flags::ACK, 0, &[0, 3, 0, 0, 0, 1]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
    assert_eq!(kind, FrameErrorKind::SettingsAckWithPayload);
}

#[test]
fn rfc9113_6_5_settings_length_not_multiple_of_six_is_frame_size_error() {
    expect_err(
        raw(0x4, 0, 0, &[0, 3, 0, 0, 0]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_5_settings_ack_decodes() {
    assert_eq!(
        decode_one(raw(0x4, flags::ACK, 0, &[])).unwrap(),
        Frame::SettingsAck
    );
}

#[test]
fn rfc9113_6_5_2_every_defined_setting_is_understood() {
    let mut payload = Vec::new();
    for (id, value) in [
        (1u16, 8192u32),
        (2, 0),
        (3, 100),
        (4, 1 << 20),
        (5, 1 << 15),
        (6, 65536),
        (8, 1),
        (9, 1),
    ] {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    let Frame::Settings(s) = decode_one(raw(0x4, 0, 0, &payload)).unwrap() else {
        panic!()
    };
    assert_eq!(s.header_table_size(), Some(8192));
    assert_eq!(s.enable_push(), Some(false));
    assert_eq!(s.max_concurrent_streams(), Some(100));
    assert_eq!(s.initial_window_size(), Some(1 << 20));
    assert_eq!(s.max_frame_size(), Some(1 << 15));
    assert_eq!(s.max_header_list_size(), Some(65536));
    assert_eq!(s.enable_connect_protocol(), Some(true));
    assert_eq!(s.no_rfc7540_priorities(), Some(true));
    assert!(s.unknown.is_empty());
}

#[test]
fn rfc9113_6_5_2_unknown_settings_are_ignored_but_kept_for_logs() {
    let payload = [0x0a, 0x0a, 0, 0, 0, 42, 0, 3, 0, 0, 0, 7];
    let Frame::Settings(s) = decode_one(raw(0x4, 0, 0, &payload)).unwrap() else {
        panic!()
    };
    assert_eq!(s.unknown, vec![(0x0a0a, 42)]);
    assert_eq!(s.max_concurrent_streams(), Some(7));
}

#[test]
fn rfc9113_6_5_later_value_of_a_setting_replaces_earlier() {
    let payload = [0, 3, 0, 0, 0, 1, 0, 3, 0, 0, 0, 2];
    let Frame::Settings(s) = decode_one(raw(0x4, 0, 0, &payload)).unwrap() else {
        panic!()
    };
    assert_eq!(s.max_concurrent_streams(), Some(2));
}

fn setting(id: u16, value: u32) -> BytesMut {
    let mut payload = id.to_be_bytes().to_vec();
    payload.extend_from_slice(&value.to_be_bytes());
    raw(0x4, 0, 0, &payload)
}

#[test]
fn rfc9113_6_5_2_enable_push_other_than_0_or_1_is_protocol_error() {
    let kind = expect_err(setting(2, 2), ErrorCode::PROTOCOL_ERROR, CONN);
    assert_eq!(kind, FrameErrorKind::InvalidSetting { id: 2, value: 2 });
}

#[test]
fn rfc9113_6_5_2_initial_window_size_above_2_31_minus_1_is_flow_control_error() {
    expect_err(setting(4, 1 << 31), ErrorCode::FLOW_CONTROL_ERROR, CONN);
    assert!(decode_one(setting(4, (1 << 31) - 1)).is_ok());
}

#[test]
fn rfc9113_6_5_2_max_frame_size_out_of_range_is_protocol_error() {
    expect_err(setting(5, 16_383), ErrorCode::PROTOCOL_ERROR, CONN);
    expect_err(setting(5, 1 << 24), ErrorCode::PROTOCOL_ERROR, CONN);
    assert!(decode_one(setting(5, 16_384)).is_ok());
    assert!(decode_one(setting(5, (1 << 24) - 1)).is_ok());
}

#[test]
fn rfc8441_3_enable_connect_protocol_must_be_0_or_1() {
    expect_err(setting(8, 2), ErrorCode::PROTOCOL_ERROR, CONN);
}

#[test]
fn rfc9218_2_1_no_rfc7540_priorities_must_be_0_or_1() {
    expect_err(setting(9, 7), ErrorCode::PROTOCOL_ERROR, CONN);
}

// ---- §6.6 PUSH_PROMISE ----

#[test]
fn rfc9113_6_6_push_promise_on_stream_zero_is_protocol_error() {
    expect_err(
        raw(0x5, flags::END_HEADERS, 0, &[0, 0, 0, 2]),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_6_push_promise_fields_and_padding() {
    let payload = [1, 0x80, 0, 0, 2, 0x82, 0];
    let frame = decode_one(raw(0x5, flags::END_HEADERS | flags::PADDED, 1, &payload)).unwrap();
    let Frame::PushPromise(p) = frame else {
        panic!()
    };
    assert_eq!(p.promised_id, StreamId::new(2), "reserved bit ignored");
    assert_eq!(&p.fragment[..], &[0x82]);
}

#[test]
fn rfc9113_6_6_push_promise_too_short_for_promised_id_is_frame_size_error() {
    expect_err(
        raw(0x5, flags::END_HEADERS, 1, &[0, 0, 2]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_6_push_promise_padding_too_long_is_protocol_error() {
    let payload = [2, 0, 0, 0, 2, 0];
    expect_err(
        raw(0x5, flags::END_HEADERS | flags::PADDED, 1, &payload),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

// ---- §6.7 PING ----

#[test]
fn rfc9113_6_7_ping_on_a_stream_is_protocol_error() {
    expect_err(raw(0x6, 0, 1, &[0; 8]), ErrorCode::PROTOCOL_ERROR, CONN);
}

#[test]
fn rfc9113_6_7_ping_of_wrong_length_is_frame_size_error() {
    expect_err(raw(0x6, 0, 0, &[0; 7]), ErrorCode::FRAME_SIZE_ERROR, CONN);
    expect_err(
        raw(0x6, flags::ACK, 0, &[0; 9]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

// ---- §6.8 GOAWAY ----

#[test]
fn rfc9113_6_8_goaway_on_a_stream_is_protocol_error() {
    expect_err(raw(0x7, 0, 1, &[0; 8]), ErrorCode::PROTOCOL_ERROR, CONN);
}

#[test]
fn rfc9113_6_8_goaway_too_short_is_frame_size_error() {
    expect_err(raw(0x7, 0, 0, &[0; 7]), ErrorCode::FRAME_SIZE_ERROR, CONN);
}

#[test]
fn rfc9113_6_8_goaway_carries_debug_data() {
    let payload = [0x80, 0, 0, 5, 0, 0, 0, 0xb, b'c', b'a', b'l', b'm'];
    let Frame::GoAway(g) = decode_one(raw(0x7, 0, 0, &payload)).unwrap() else {
        panic!()
    };
    assert_eq!(g.last_stream_id, StreamId::new(5));
    assert_eq!(g.error_code, ErrorCode::ENHANCE_YOUR_CALM);
    assert_eq!(&g.debug_data[..], b"calm");
}

// ---- §6.9 WINDOW_UPDATE ----

#[test]
fn rfc9113_6_9_window_update_of_wrong_length_is_frame_size_error() {
    expect_err(
        raw(0x8, 0, 1, &[0, 0, 1]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
    expect_err(
        raw(0x8, 0, 0, &[0, 0, 0, 0, 1]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_9_zero_increment_on_a_stream_is_stream_protocol_error() {
    let scope = ErrorScope::Stream(StreamId::new(7));
    let kind = expect_err(
        raw(0x8, 0, 7, &[0, 0, 0, 0]),
        ErrorCode::PROTOCOL_ERROR,
        scope,
    );
    assert_eq!(kind, FrameErrorKind::ZeroWindowIncrement);
}

#[test]
fn rfc9113_6_9_zero_increment_on_the_connection_is_connection_protocol_error() {
    expect_err(
        raw(0x8, 0, 0, &[0x80, 0, 0, 0]),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9113_6_9_reserved_bit_of_the_increment_is_ignored() {
    let Frame::WindowUpdate(w) = decode_one(raw(0x8, 0, 0, &[0x80, 0, 0, 9])).unwrap() else {
        panic!()
    };
    assert_eq!(w.increment, 9);
}

// ---- §6.10 CONTINUATION ----

#[test]
fn rfc9113_6_10_continuation_on_stream_zero_is_protocol_error() {
    let mut wire = raw(0x1, 0, 1, b"\x82");
    wire.extend_from_slice(&raw(0x9, flags::END_HEADERS, 0, b"\x84"));
    let mut decoder = FrameDecoder::new();
    decoder.decode(&mut wire).unwrap();
    assert_eq!(
        decoder.decode(&mut wire).unwrap_err().code(),
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn rfc9113_6_10_continuation_without_open_field_block_is_protocol_error() {
    let kind = expect_err(
        raw(0x9, flags::END_HEADERS, 1, b"\x82"),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
    assert_eq!(kind, FrameErrorKind::UnexpectedContinuation);
}

#[test]
fn rfc9113_6_10_continuation_after_end_headers_is_protocol_error() {
    let mut wire = raw(0x1, flags::END_HEADERS, 1, b"\x82");
    wire.extend_from_slice(&raw(0x9, flags::END_HEADERS, 1, b"\x84"));
    let mut decoder = FrameDecoder::new();
    decoder.decode(&mut wire).unwrap();
    assert_eq!(
        decoder.decode(&mut wire).unwrap_err().code(),
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn rfc9113_6_10_field_block_over_several_continuations() {
    let mut wire = raw(0x5, 0, 1, &[0, 0, 0, 2, 0x82]);
    wire.extend_from_slice(&raw(0x9, 0, 1, b"\x84"));
    wire.extend_from_slice(&raw(0x9, flags::END_HEADERS, 1, b"\x86"));
    wire.extend_from_slice(&raw(0x6, 0, 0, &[0; 8]));
    let mut decoder = FrameDecoder::new();
    let mut kinds = Vec::new();
    while let Some(frame) = decoder.decode(&mut wire).unwrap() {
        kinds.push(frame.kind());
    }
    assert_eq!(
        kinds,
        [
            FrameType::PUSH_PROMISE,
            FrameType::CONTINUATION,
            FrameType::CONTINUATION,
            FrameType::PING
        ]
    );
    assert!(!decoder.in_field_block());
}

// ---- RFC 9218 §7.1 PRIORITY_UPDATE ----

#[test]
fn rfc9218_7_1_priority_update_on_a_stream_is_protocol_error() {
    expect_err(
        raw(0x10, 0, 1, &[0, 0, 0, 1, b'u', b'=', b'1']),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
}

#[test]
fn rfc9218_7_1_priority_update_for_stream_zero_is_protocol_error() {
    let kind = expect_err(
        raw(0x10, 0, 0, &[0, 0, 0, 0, b'u', b'=', b'1']),
        ErrorCode::PROTOCOL_ERROR,
        CONN,
    );
    assert_eq!(kind, FrameErrorKind::PriorityUpdateForConnection);
}

#[test]
fn rfc9218_7_1_priority_update_carries_the_field_value() {
    let frame = decode_one(raw(0x10, 0, 0, &[0, 0, 0, 5, b'u', b'=', b'1', b',', b'i'])).unwrap();
    let Frame::PriorityUpdate(p) = frame else {
        panic!()
    };
    assert_eq!(p.prioritized_stream_id, StreamId::new(5));
    assert_eq!(&p.field_value[..], b"u=1,i");
}

#[test]
fn rfc9218_7_1_priority_update_too_short_is_frame_size_error() {
    expect_err(
        raw(0x10, 0, 0, &[0, 0, 1]),
        ErrorCode::FRAME_SIZE_ERROR,
        CONN,
    );
}

// ---- decoder behaviour ----

#[test]
fn connection_errors_are_sticky() {
    let mut wire = raw(0x6, 0, 1, &[0; 8]);
    wire.extend_from_slice(&raw(0x6, 0, 0, &[0; 8]));
    let mut decoder = FrameDecoder::new();
    let first = decoder.decode(&mut wire).unwrap_err();
    assert_eq!(decoder.decode(&mut wire).unwrap_err(), first);
}

#[test]
fn one_byte_at_a_time_decodes_the_same_frames() {
    let frames = sample_frames();
    let mut wire = BytesMut::new();
    for f in &frames {
        f.encode(&mut wire);
    }
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for byte in wire.iter() {
        buf.extend_from_slice(&[*byte]);
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            out.push(frame);
        }
    }
    assert_eq!(out, frames);
}

fn sample_frames() -> Vec<Frame> {
    let mut settings = Settings::default();
    settings.set(SettingId::MAX_CONCURRENT_STREAMS, 100);
    settings.set(SettingId::INITIAL_WINDOW_SIZE, 65_535);
    vec![
        Frame::Settings(settings),
        Frame::SettingsAck,
        Frame::Headers(Headers {
            stream_id: StreamId::new(1),
            end_stream: true,
            end_headers: true,
            priority: Some(PriorityBlock {
                exclusive: false,
                dependency: StreamId::new(0),
                weight: 15,
            }),
            pad_len: None,
            fragment: Bytes::from_static(b"\x82\x86\x84"),
        }),
        Frame::Data(Data {
            stream_id: StreamId::new(1),
            end_stream: true,
            pad_len: Some(3),
            payload: Bytes::from_static(b"hello world!"),
        }),
        Frame::Ping(Ping {
            ack: true,
            payload: *b"12345678",
        }),
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 1 << 20,
        }),
        Frame::RstStream(RstStream {
            stream_id: StreamId::new(3),
            error_code: ErrorCode::CANCEL,
        }),
        Frame::GoAway(GoAway {
            last_stream_id: StreamId::new(3),
            error_code: ErrorCode::NO_ERROR,
            debug_data: Bytes::from_static(b"bye"),
        }),
        Frame::Priority(Priority {
            stream_id: StreamId::new(5),
            priority: PriorityBlock {
                exclusive: true,
                dependency: StreamId::new(1),
                weight: 200,
            },
        }),
        Frame::PriorityUpdate(PriorityUpdate {
            prioritized_stream_id: StreamId::new(5),
            field_value: Bytes::from_static(b"u=2"),
        }),
    ]
}

// ---- display in the nghttp -v style ----

#[test]
fn display_matches_nghttp_style() {
    let headers = Frame::Headers(Headers {
        stream_id: StreamId::new(1),
        end_stream: true,
        end_headers: true,
        priority: Some(PriorityBlock {
            exclusive: false,
            dependency: StreamId::new(0),
            weight: 15,
        }),
        pad_len: None,
        fragment: Bytes::from(vec![0; 25]),
    });
    let log = FrameLog {
        frame: &headers,
        direction: Direction::Recv,
        elapsed: std::time::Duration::from_millis(3),
    };
    assert_eq!(
        log.to_string(),
        "[  0.003] recv HEADERS frame <length=30, flags=0x25, stream_id=1>\n\
         \x20         ; END_STREAM | END_HEADERS | PRIORITY\n\
         \x20         (padlen=0, dep_stream_id=0, weight=16, exclusive=0)"
    );
    let mut settings = Settings::default();
    settings.set(SettingId::MAX_CONCURRENT_STREAMS, 100);
    assert_eq!(
        Frame::Settings(settings).to_string(),
        "SETTINGS frame <length=6, flags=0x00, stream_id=0>\n\
         \x20         (niv=1)\n\
         \x20         [SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]"
    );
    let goaway = Frame::GoAway(GoAway {
        last_stream_id: StreamId::new(0),
        error_code: ErrorCode::NO_ERROR,
        debug_data: Bytes::new(),
    });
    assert_eq!(
        goaway.to_string(),
        "GOAWAY frame <length=8, flags=0x00, stream_id=0>\n\
         \x20         (last_stream_id=0, error_code=NO_ERROR(0x00), opaque_data(0)=[])"
    );
    let rst = Frame::RstStream(RstStream {
        stream_id: StreamId::new(1),
        error_code: ErrorCode::PROTOCOL_ERROR,
    });
    assert!(
        rst.to_string()
            .ends_with("(error_code=PROTOCOL_ERROR(0x01))")
    );
    let unknown = Frame::Unknown(Unknown {
        kind: FrameType::new(0xfa),
        flags: 0,
        stream_id: StreamId::new(0),
        payload: Bytes::new(),
    });
    assert_eq!(
        unknown.to_string(),
        "unknown frame <length=0, type=0xfa, flags=0x00, stream_id=0>"
    );
}

// ---- property tests ----

fn arb_stream() -> impl Strategy<Value = StreamId> {
    (1u32..=0x7fff_ffff).prop_map(StreamId::new)
}

fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn arb_priority() -> impl Strategy<Value = PriorityBlock> {
    (any::<bool>(), 0u32..=0x7fff_ffff, any::<u8>()).prop_map(|(exclusive, dep, weight)| {
        PriorityBlock {
            exclusive,
            dependency: StreamId::new(dep),
            weight,
        }
    })
}

fn arb_settings() -> impl Strategy<Value = Settings> {
    let known = (
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..=1),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..=0x7fff_ffff),
        proptest::option::of(DEFAULT_MAX_FRAME_SIZE..=MAX_FRAME_SIZE_LIMIT),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..=1),
        proptest::option::of(0u32..=1),
    );
    let unknown = proptest::collection::btree_map(10u16..=u16::MAX, any::<u32>(), 0..3);
    (known, unknown).prop_map(|(k, unknown)| {
        let mut s = Settings::default();
        let ids = [1u16, 2, 3, 4, 5, 6, 8, 9];
        let values = [k.0, k.1, k.2, k.3, k.4, k.5, k.6, k.7];
        for (id, value) in ids.into_iter().zip(values) {
            if let Some(v) = value {
                s.set(SettingId::new(id), v);
            }
        }
        for (id, v) in unknown {
            s.set(SettingId::new(id), v);
        }
        s
    })
}

/// Any single frame a correct peer could send (CONTINUATION only as part of
/// a sequence, so it is left out here and covered by `arb_sequence`).
fn arb_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (
            arb_stream(),
            any::<bool>(),
            proptest::option::of(any::<u8>()),
            arb_bytes(300)
        )
            .prop_map(
                |(stream_id, end_stream, pad_len, payload)| Frame::Data(Data {
                    stream_id,
                    end_stream,
                    pad_len,
                    payload
                })
            ),
        (
            arb_stream(),
            any::<bool>(),
            proptest::option::of(arb_priority()),
            proptest::option::of(any::<u8>()),
            arb_bytes(300)
        )
            .prop_map(|(stream_id, end_stream, priority, pad_len, fragment)| {
                Frame::Headers(Headers {
                    stream_id,
                    end_stream,
                    end_headers: true,
                    priority,
                    pad_len,
                    fragment,
                })
            }),
        (arb_stream(), arb_priority())
            .prop_filter("self-dependency is an error", |(s, p)| p.dependency != *s)
            .prop_map(|(stream_id, priority)| Frame::Priority(Priority {
                stream_id,
                priority
            })),
        (arb_stream(), any::<u32>()).prop_map(|(stream_id, code)| Frame::RstStream(RstStream {
            stream_id,
            error_code: code.into()
        })),
        arb_settings().prop_map(Frame::Settings),
        Just(Frame::SettingsAck),
        (
            arb_stream(),
            arb_stream(),
            proptest::option::of(any::<u8>()),
            arb_bytes(300)
        )
            .prop_map(
                |(stream_id, promised_id, pad_len, fragment)| Frame::PushPromise(PushPromise {
                    stream_id,
                    promised_id,
                    end_headers: true,
                    pad_len,
                    fragment
                })
            ),
        (any::<bool>(), any::<[u8; 8]>())
            .prop_map(|(ack, payload)| Frame::Ping(Ping { ack, payload })),
        (0u32..=0x7fff_ffff, any::<u32>(), arb_bytes(64)).prop_map(|(last, code, debug_data)| {
            Frame::GoAway(GoAway {
                last_stream_id: StreamId::new(last),
                error_code: code.into(),
                debug_data,
            })
        }),
        (0u32..=0x7fff_ffff, 1u32..=0x7fff_ffff).prop_map(|(s, increment)| Frame::WindowUpdate(
            WindowUpdate {
                stream_id: StreamId::new(s),
                increment
            }
        )),
        (arb_stream(), arb_bytes(40)).prop_map(|(prioritized_stream_id, field_value)| {
            Frame::PriorityUpdate(PriorityUpdate {
                prioritized_stream_id,
                field_value,
            })
        }),
        (
            0x11u8..=0xff,
            any::<u8>(),
            0u32..=0x7fff_ffff,
            arb_bytes(64)
        )
            .prop_map(|(kind, flags, s, payload)| Frame::Unknown(Unknown {
                kind: FrameType::new(kind),
                flags,
                stream_id: StreamId::new(s),
                payload
            })),
    ]
}

/// A HEADERS frame split into CONTINUATIONs, as a sequence.
fn arb_field_block_sequence() -> impl Strategy<Value = Vec<Frame>> {
    (
        arb_stream(),
        any::<bool>(),
        proptest::collection::vec(arb_bytes(50), 1..4),
    )
        .prop_map(|(stream_id, end_stream, pieces)| {
            let last = pieces.len() - 1;
            pieces
                .into_iter()
                .enumerate()
                .map(|(i, fragment)| {
                    if i == 0 {
                        Frame::Headers(Headers {
                            stream_id,
                            end_stream,
                            end_headers: last == 0,
                            priority: None,
                            pad_len: None,
                            fragment,
                        })
                    } else {
                        Frame::Continuation(Continuation {
                            stream_id,
                            end_headers: i == last,
                            fragment,
                        })
                    }
                })
                .collect()
        })
}

fn arb_sequence() -> impl Strategy<Value = Vec<Frame>> {
    proptest::collection::vec(
        prop_oneof![
            arb_frame().prop_map(|f| vec![f]),
            arb_field_block_sequence()
        ],
        0..12,
    )
    .prop_map(|groups| groups.into_iter().flatten().collect())
}

proptest! {
    #[test]
    fn prop_any_frame_round_trips(frame in arb_frame()) {
        let mut wire = encoded(&frame);
        prop_assert_eq!(wire.len(), FRAME_HEADER_LEN + frame.payload_len() as usize);
        let mut decoder = FrameDecoder::new();
        prop_assert_eq!(decoder.decode(&mut wire).unwrap(), Some(frame));
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn prop_any_split_decodes_the_same_frames(frames in arb_sequence(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let mut wire = BytesMut::new();
        for f in &frames {
            f.encode(&mut wire);
        }
        let wire = wire.freeze();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        points.push(0);
        points.push(wire.len());
        points.sort_unstable();
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for pair in points.windows(2) {
            buf.extend_from_slice(&wire[pair[0]..pair[1]]);
            while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                out.push(frame);
            }
        }
        prop_assert_eq!(out, frames);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn prop_arbitrary_bytes_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::new();
        for chunk in chunks {
            buf.extend_from_slice(&chunk);
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(frame)) => { let _ = frame.to_string(); }
                    Ok(None) => break,
                    Err(e) if e.is_connection_error() => return Ok(()),
                    Err(_) => {}
                }
            }
        }
    }
}
