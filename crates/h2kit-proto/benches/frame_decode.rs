//! Decoding throughput of a realistic mix of HTTP/2 frames: what a server
//! sees from a busy client (request HEADERS, small and large DATA, window
//! updates, pings, priority signals), fed in 16 KiB reads.

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use h2kit_proto::ErrorCode;
use h2kit_proto::frame::{
    Data, Frame, FrameDecoder, Headers, Ping, Priority, PriorityBlock, RstStream, SettingId,
    Settings, StreamId, WindowUpdate,
};
use std::hint::black_box;

fn mix() -> Bytes {
    let mut wire = BytesMut::new();
    let mut settings = Settings::default();
    settings.set(SettingId::MAX_CONCURRENT_STREAMS, 100);
    settings.set(SettingId::INITIAL_WINDOW_SIZE, 1 << 20);
    Frame::Settings(settings).encode(&mut wire);
    Frame::SettingsAck.encode(&mut wire);
    let fragment = Bytes::from(vec![0x82; 40]);
    for round in 0..100u32 {
        let stream = StreamId::new(2 * round + 1);
        Frame::Headers(Headers::new(stream, fragment.clone(), false)).encode(&mut wire);
        Frame::Priority(Priority {
            stream_id: stream,
            priority: PriorityBlock {
                exclusive: false,
                dependency: StreamId::CONNECTION,
                weight: 15,
            },
        })
        .encode(&mut wire);
        let size = match round % 4 {
            0 => 12,
            1 => 1024,
            2 => 4096,
            _ => 16_384,
        };
        Frame::Data(Data::new(stream, Bytes::from(vec![7u8; size]), true)).encode(&mut wire);
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::CONNECTION,
            increment: size as u32,
        })
        .encode(&mut wire);
        if round % 10 == 0 {
            Frame::Ping(Ping {
                ack: false,
                payload: [1; 8],
            })
            .encode(&mut wire);
            Frame::RstStream(RstStream {
                stream_id: stream,
                error_code: ErrorCode::CANCEL,
            })
            .encode(&mut wire);
        }
    }
    wire.freeze()
}

fn decode_all(wire: &Bytes, read_size: usize) -> usize {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::with_capacity(32 * 1024);
    let mut frames = 0;
    for chunk in wire.chunks(read_size) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut buf).expect("valid mix") {
            black_box(&frame);
            frames += 1;
        }
    }
    frames
}

fn bench(c: &mut Criterion) {
    let wire = mix();
    let mut group = c.benchmark_group("frame_decode");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function("mix_16k_reads", |b| b.iter(|| decode_all(&wire, 16 * 1024)));
    group.bench_function("mix_1k_reads", |b| b.iter(|| decode_all(&wire, 1024)));
    group.finish();

    // Control-frame rate, where per-frame overhead rather than copying
    // dominates.
    let mut small = BytesMut::new();
    for i in 0..1000u32 {
        Frame::WindowUpdate(WindowUpdate {
            stream_id: StreamId::new(2 * i + 1),
            increment: 1024,
        })
        .encode(&mut small);
    }
    let small = small.freeze();
    let mut group = c.benchmark_group("frame_decode_small");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("window_updates", |b| {
        b.iter(|| decode_all(&small, 16 * 1024))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
