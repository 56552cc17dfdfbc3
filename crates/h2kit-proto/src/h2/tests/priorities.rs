//! The send scheduler, seen on the wire: the exact order of DATA frames for
//! streams with different priorities (RFC 9218, RFC 7540 §5.3).

use super::*;
use crate::frame::PriorityBlock;

/// A request to open: stream id, extra fields, RFC 7540 priority block.
type Request<'a> = (u32, &'a [(&'a str, &'a str)], Option<PriorityBlock>);

/// A server with the given scheduler, with requests open on `ids`, each
/// with the request fields in `extra` (e.g. a `priority` field).
fn server_with_requests(kind: SchedulerKind, requests: &[Request]) -> (Connection, RawPeer) {
    let (mut server, mut peer) = raw_server(Config {
        scheduler: kind,
        ..Config::default()
    });
    let mut frames = Vec::new();
    for (id, extra, block) in requests {
        let mut fields = GET.to_vec();
        fields.extend_from_slice(extra);
        let mut h = Headers::new(StreamId::new(*id), peer.block(&fields), true);
        h.priority = *block;
        frames.push(Frame::Headers(h));
    }
    exchange(&mut server, &mut peer, &frames);
    while server.poll_event().is_some() {}
    (server, peer)
}

/// Queues `frames` chunks of 1,000 octets on each stream.
fn queue(server: &mut Connection, bodies: &[(u32, usize)]) {
    for (id, frames) in bodies {
        let id = StreamId::new(*id);
        server
            .send_response(id, 200, &[] as &[(&str, &str)], false)
            .unwrap();
        for i in 0..*frames {
            server
                .send_data(id, Bytes::from(vec![0; 1000]), i + 1 == *frames)
                .unwrap();
        }
    }
}

/// The stream ids of the DATA frames the server sends now, in order.
fn data_order(server: &mut Connection, peer: &mut RawPeer) -> Vec<u32> {
    peer.read(server)
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) if !d.payload.is_empty() => Some(d.stream_id.value()),
            _ => None,
        })
        .collect()
}

#[test]
fn round_robin_takes_one_frame_per_stream_in_turn() {
    let (mut server, mut peer) = server_with_requests(
        SchedulerKind::RoundRobin,
        &[(1, &[], None), (3, &[], None), (5, &[], None)],
    );
    queue(&mut server, &[(1, 3), (3, 3), (5, 3)]);
    assert_eq!(
        data_order(&mut server, &mut peer),
        [1, 3, 5, 1, 3, 5, 1, 3, 5]
    );
}

#[test]
fn rfc9218_urgency_first_then_non_incremental_in_order_then_incremental_in_turn() {
    let requests: &[Request] = &[
        (1, &[("priority", "u=5")], None),
        (3, &[("priority", "u=1")], None),
        (5, &[("priority", "u=1, i")], None),
        (7, &[("priority", "u=1, i")], None),
        (9, &[], None), // default: u=3, not incremental
        (11, &[("priority", "u=1")], None),
    ];
    let (mut server, mut peer) = server_with_requests(SchedulerKind::Rfc9218, requests);
    queue(
        &mut server,
        &[(1, 2), (3, 2), (5, 2), (7, 2), (9, 2), (11, 2)],
    );
    assert_eq!(
        data_order(&mut server, &mut peer),
        [3, 3, 11, 11, 5, 7, 5, 7, 9, 9, 1, 1]
    );
}

#[test]
fn rfc9218_order_holds_when_the_connection_window_is_scarce() {
    let requests: &[Request] = &[
        (1, &[], None),
        (3, &[("priority", "u=0")], None),
        (5, &[("priority", "u=6")], None),
        (7, &[], None),
    ];
    let (mut server, mut peer) = server_with_requests(SchedulerKind::Rfc9218, requests);
    // Use up the connection window with stream 7's response.
    server
        .send_response(StreamId::new(7), 200, &[] as &[(&str, &str)], false)
        .unwrap();
    server
        .send_data(StreamId::new(7), Bytes::from(vec![0; 65_535]), true)
        .unwrap();
    assert!(data_order(&mut server, &mut peer).iter().all(|id| *id == 7));
    assert_eq!(server.connection_window(), 0);
    queue(&mut server, &[(1, 2), (3, 2), (5, 2)]);
    assert!(data_order(&mut server, &mut peer).is_empty());
    // Each WINDOW_UPDATE lets exactly one 1,000-octet frame through.
    let mut order = Vec::new();
    for _ in 0..6 {
        let wu = Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: 1000,
        });
        order.extend(
            exchange(&mut server, &mut peer, &[wu])
                .iter()
                .filter_map(|f| match f {
                    Frame::Data(d) if !d.payload.is_empty() => Some(d.stream_id.value()),
                    _ => None,
                }),
        );
    }
    assert_eq!(order, [3, 3, 1, 1, 5, 5]);
}

#[test]
fn rfc9218_7_1_priority_update_reorders_a_waiting_response() {
    let requests: &[Request] = &[(1, &[], None), (3, &[], None)];
    let (mut server, mut peer) = server_with_requests(SchedulerKind::Rfc9218, requests);
    let update = Frame::PriorityUpdate(crate::frame::PriorityUpdate {
        prioritized_stream_id: StreamId::new(3),
        field_value: Bytes::from_static(b"u=0"),
    });
    exchange(&mut server, &mut peer, &[update]);
    queue(&mut server, &[(1, 2), (3, 2)]);
    assert_eq!(data_order(&mut server, &mut peer), [3, 3, 1, 1]);
}

#[test]
fn rfc9218_7_1_priority_update_before_the_request_applies_when_it_opens() {
    let (mut server, mut peer) = raw_server(Config::default());
    let update = Frame::PriorityUpdate(crate::frame::PriorityUpdate {
        prioritized_stream_id: StreamId::new(3),
        field_value: Bytes::from_static(b"u=0"),
    });
    let a = peer.headers(1, &GET, true);
    let b = peer.headers(3, &GET, true);
    exchange(&mut server, &mut peer, &[update, a, b]);
    queue(&mut server, &[(1, 2), (3, 2)]);
    assert_eq!(data_order(&mut server, &mut peer), [3, 3, 1, 1]);
}

#[test]
fn rfc9218_7_1_too_many_updates_for_idle_streams_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config {
        max_concurrent_streams: 2,
        ..Config::default()
    });
    let frames: Vec<Frame> = [1u32, 3, 5]
        .iter()
        .map(|id| {
            Frame::PriorityUpdate(crate::frame::PriorityUpdate {
                prioritized_stream_id: StreamId::new(*id),
                field_value: Bytes::from_static(b"u=1"),
            })
        })
        .collect();
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &frames)),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn rfc9218_7_1_update_for_an_idle_push_stream_is_protocol_error() {
    let (mut server, mut peer) = raw_server(Config::default());
    let update = Frame::PriorityUpdate(crate::frame::PriorityUpdate {
        prioritized_stream_id: StreamId::new(2),
        field_value: Bytes::from_static(b"u=1"),
    });
    assert_eq!(
        goaway_code(&exchange(&mut server, &mut peer, &[update])),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn rfc9218_7_1_client_receiving_priority_update_is_protocol_error() {
    let mut client = Connection::client(Config::default());
    let mut bytes = wire(&[Frame::Settings(Settings::default())]);
    bytes.extend(wire(&[Frame::PriorityUpdate(
        crate::frame::PriorityUpdate {
            prioritized_stream_id: StreamId::new(1),
            field_value: Bytes::from_static(b"u=1"),
        },
    )]));
    assert_eq!(
        client.recv(&bytes).unwrap_err().code,
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn rfc9218_2_1_no_rfc7540_priorities_is_sent_unless_the_tree_is_used() {
    let mut client = Connection::client(Config::default());
    let mut out = BytesMut::new();
    client.poll_transmit(&mut out);
    let mut rest = out.split_off(PREFACE.len());
    let Some(Frame::Settings(s)) = FrameDecoder::new().decode(&mut rest).unwrap() else {
        panic!()
    };
    assert_eq!(s.no_rfc7540_priorities(), Some(true));
    let mut client = Connection::client(Config {
        scheduler: SchedulerKind::Rfc7540Tree,
        ..Config::default()
    });
    let mut out = BytesMut::new();
    client.poll_transmit(&mut out);
    let mut rest = out.split_off(PREFACE.len());
    let Some(Frame::Settings(s)) = FrameDecoder::new().decode(&mut rest).unwrap() else {
        panic!()
    };
    assert_eq!(s.no_rfc7540_priorities(), None);
}

fn dep(on: u32, weight: u16) -> Option<PriorityBlock> {
    Some(PriorityBlock {
        exclusive: false,
        dependency: StreamId::new(on),
        weight: (weight - 1) as u8,
    })
}

#[test]
fn rfc7540_5_3_tree_serves_parents_first_and_siblings_by_weight() {
    let requests: &[Request] = &[
        (1, &[], dep(0, 64)),
        (3, &[], dep(0, 32)),
        (5, &[], dep(1, 16)),
    ];
    let (mut server, mut peer) = server_with_requests(SchedulerKind::Rfc7540Tree, requests);
    queue(&mut server, &[(1, 6), (3, 6), (5, 3)]);
    assert_eq!(
        data_order(&mut server, &mut peer),
        [1, 3, 1, 1, 3, 1, 1, 3, 1, 3, 5, 5, 3, 5, 3]
    );
}

#[test]
fn rfc7540_5_3_priority_frames_for_idle_streams_build_groups() {
    // nghttp's pattern: PRIORITY frames create idle placeholder streams, and
    // requests depend on them.
    let (mut server, mut peer) = raw_server(Config {
        scheduler: SchedulerKind::Rfc7540Tree,
        ..Config::default()
    });
    let group = |id: u32, weight: u16| {
        Frame::Priority(crate::frame::Priority {
            stream_id: StreamId::new(id),
            priority: dep(0, weight).unwrap(),
        })
    };
    let mut frames = vec![group(101, 200), group(103, 1)];
    let mut low = Headers::new(StreamId::new(1), peer.block(&GET), true);
    low.priority = dep(103, 16);
    let mut high = Headers::new(StreamId::new(3), peer.block(&GET), true);
    high.priority = dep(101, 16);
    frames.push(Frame::Headers(low));
    frames.push(Frame::Headers(high));
    exchange(&mut server, &mut peer, &frames);
    queue(&mut server, &[(1, 10), (3, 10)]);
    // Weight 200 against 1: after one frame each (fair queueing lets a
    // newly busy group start), the heavy group's stream runs to the end.
    let mut expected = vec![3, 1];
    expected.extend([3; 9]);
    expected.extend([1; 9]);
    assert_eq!(data_order(&mut server, &mut peer), expected);
}
