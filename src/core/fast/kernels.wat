;; SIMD kernels for the normalization layers' hot loops (float32 data, float64 statistics).
;;
;; Statistics use a shifted sum: d = x - K with K close to the mean, accumulating d and d*d in
;; float32 lanes over short blocks (16 values per lane) that are widened into float64 after each
;; block. With K near the mean, var = E[d^2] - E[d]^2 has no cancellation; when E[d]^2 is not
;; small against E[d^2] the sums are redone around the mean just found ($accept, $recentre).
;; K starts as the mean of the first 16 values. Pointers are byte offsets into the memory.
(module
  (memory (export "memory") 1)

  ;; float64x2 sum of the four float32 lanes of $v (lanes 0+2 and 1+3 end up in the two halves).
  (func $widen (param $v v128) (result v128)
    (f64x2.add
      (f64x2.promote_low_f32x4 (local.get $v))
      (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))

  (func $hsum (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; Sums of (x - k) and (x - k)^2 over $n floats at $p.
  (func $shifted (export "shifted_sums") (param $p i32) (param $n i32) (param $k f32) (result f64 f64)
    (local $end i32) (local $end16 i32) (local $blk i32) (local $kv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $d v128) (local $s1 v128) (local $s2 v128) (local $t1 f64) (local $t2 f64) (local $ds f64)
    (local.set $kv (f32x4.splat (local.get $k)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end16)))
        (local.set $blk (i32.add (local.get $p) (i32.const 1024)))
        (if (i32.gt_u (local.get $blk) (local.get $end16)) (then (local.set $blk (local.get $end16))))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $b2 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (loop $inner
          (local.set $d (f32x4.sub (v128.load offset=0 (local.get $p)) (local.get $kv)))
          (local.set $a0 (f32x4.add (local.get $a0) (local.get $d)))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
          (local.set $d (f32x4.sub (v128.load offset=16 (local.get $p)) (local.get $kv)))
          (local.set $a1 (f32x4.add (local.get $a1) (local.get $d)))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
          (local.set $d (f32x4.sub (v128.load offset=32 (local.get $p)) (local.get $kv)))
          (local.set $a2 (f32x4.add (local.get $a2) (local.get $d)))
          (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
          (local.set $d (f32x4.sub (v128.load offset=48 (local.get $p)) (local.get $kv)))
          (local.set $a3 (f32x4.add (local.get $a3) (local.get $d)))
          (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $inner (i32.lt_u (local.get $p) (local.get $blk))))
        (local.set $s1 (f64x2.add (local.get $s1)
          (f64x2.add (call $widen (f32x4.add (local.get $a0) (local.get $a1)))
                     (call $widen (f32x4.add (local.get $a2) (local.get $a3))))))
        (local.set $s2 (f64x2.add (local.get $s2)
          (f64x2.add (call $widen (f32x4.add (local.get $b0) (local.get $b1)))
                     (call $widen (f32x4.add (local.get $b2) (local.get $b3))))))
        (br $blocks)))
    (local.set $t1 (call $hsum (local.get $s1)))
    (local.set $t2 (call $hsum (local.get $s2)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $ds (f64.promote_f32 (f32.sub (f32.load (local.get $p)) (local.get $k))))
        (local.set $t1 (f64.add (local.get $t1) (local.get $ds)))
        (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $t1) (local.get $t2))

  ;; Sum of x^2 over $n floats at $p.
  (func $sumsq (export "sum_squares") (param $p i32) (param $n i32) (result f64)
    (local $end i32) (local $end16 i32) (local $blk i32) (local $v v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $s2 v128)
    (local $t2 f64) (local $xs f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end16)))
        (local.set $blk (i32.add (local.get $p) (i32.const 1024)))
        (if (i32.gt_u (local.get $blk) (local.get $end16)) (then (local.set $blk (local.get $end16))))
        (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $b2 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (loop $inner
          (local.set $v (v128.load offset=0 (local.get $p)))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=16 (local.get $p)))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=32 (local.get $p)))
          (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=48 (local.get $p)))
          (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $inner (i32.lt_u (local.get $p) (local.get $blk))))
        (local.set $s2 (f64x2.add (local.get $s2)
          (f64x2.add (call $widen (f32x4.add (local.get $b0) (local.get $b1)))
                     (call $widen (f32x4.add (local.get $b2) (local.get $b3))))))
        (br $blocks)))
    (local.set $t2 (call $hsum (local.get $s2)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $xs (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $xs) (local.get $xs))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $t2))

  ;; Mean of the first 16 values (of all when fewer): the first shift for the shifted sums.
  ;; A poor guess only costs one more pass, see $moments.
  (func $probe (param $p i32) (param $n i32) (result f64)
    (local $i i32) (local $s f64)
    (if (i32.ge_u (local.get $n) (i32.const 16))
      (then
        (return (f64.mul (f64.const 0.0625) (call $hsum (call $widen
          (f32x4.add
            (f32x4.add (v128.load offset=0 (local.get $p)) (v128.load offset=16 (local.get $p)))
            (f32x4.add (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))))))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (f64.add (local.get $s)
          (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (f64.div (local.get $s) (f64.convert_i32_u (local.get $n))))

  ;; From shifted sums around $k: writes (mean, M2) as two f64 at $out and answers whether they
  ;; are accurate, i.e. E[d]^2 <= E[d^2] / 4 so the subtraction cancels at most two bits.
  ;; NaN sums compare false and count as accurate: the caller sees NaN statistics.
  (func $accept (param $k f32) (param $s1 f64) (param $s2 f64) (param $n i32) (param $out i32) (result i32)
    (local $nf f64) (local $m1 f64)
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $m1 (f64.div (local.get $s1) (local.get $nf)))
    (f64.store (local.get $out) (f64.add (f64.promote_f32 (local.get $k)) (local.get $m1)))
    (f64.store offset=8 (local.get $out) (f64.sub (local.get $s2) (f64.mul (local.get $s1) (local.get $m1))))
    (i32.eqz (f64.gt (f64.mul (f64.mul (local.get $m1) (local.get $m1)) (f64.const 4))
                     (f64.div (local.get $s2) (local.get $nf)))))

  ;; Repeats the shifted sums around the mean stored at $out until they are accurate.
  (func $recentre (param $p i32) (param $n i32) (param $out i32)
    (local $k f32) (local $iter i32)
    (loop $retry
      (local.set $k (f32.demote_f64 (f64.load (local.get $out))))
      (br_if 1 (call $accept (local.get $k) (call $shifted (local.get $p) (local.get $n) (local.get $k)) (local.get $n) (local.get $out)))
      (local.set $iter (i32.add (local.get $iter) (i32.const 1)))
      (br_if $retry (i32.lt_u (local.get $iter) (i32.const 3)))))

  ;; Mean and sum of squared deviations (M2) of $n floats at $p, as two f64 at $out.
  (func $moments (param $p i32) (param $n i32) (param $out i32)
    (local $k f32)
    (local.set $k (f32.demote_f64 (call $probe (local.get $p) (local.get $n))))
    (if (i32.eqz (call $accept (local.get $k) (call $shifted (local.get $p) (local.get $n) (local.get $k)) (local.get $n) (local.get $out)))
      (then (call $recentre (local.get $p) (local.get $n) (local.get $out)))))

  ;; Per-plane moments of $planes planes of $s floats, $stride bytes apart: (mean, M2) pairs at $out.
  (func (export "plane_moments") (param $x i32) (param $planes i32) (param $s i32) (param $stride i32) (param $out i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $planes)))
        (call $moments (local.get $x) (local.get $s) (local.get $out))
        (local.set $x (i32.add (local.get $x) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; y = (x - m) * a + b over $n floats (one BatchNorm plane).
  (func $affine (param $x i32) (param $y i32) (param $n i32) (param $m f32) (param $a f32) (param $b f32)
    (local $end i32) (local $end16 i32) (local $mv v128) (local $av v128) (local $bv v128)
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $bv (f32x4.splat (local.get $b)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (if (i32.lt_u (local.get $x) (local.get $end16))
      (then
        (loop $l
          (v128.store offset=0 (local.get $y) (f32x4.add (f32x4.mul (f32x4.sub (v128.load offset=0 (local.get $x)) (local.get $mv)) (local.get $av)) (local.get $bv)))
          (v128.store offset=16 (local.get $y) (f32x4.add (f32x4.mul (f32x4.sub (v128.load offset=16 (local.get $x)) (local.get $mv)) (local.get $av)) (local.get $bv)))
          (v128.store offset=32 (local.get $y) (f32x4.add (f32x4.mul (f32x4.sub (v128.load offset=32 (local.get $x)) (local.get $mv)) (local.get $av)) (local.get $bv)))
          (v128.store offset=48 (local.get $y) (f32x4.add (f32x4.mul (f32x4.sub (v128.load offset=48 (local.get $x)) (local.get $mv)) (local.get $av)) (local.get $bv)))
          (local.set $x (i32.add (local.get $x) (i32.const 64)))
          (local.set $y (i32.add (local.get $y) (i32.const 64)))
          (br_if $l (i32.lt_u (local.get $x) (local.get $end16))))))
    (block $done
      (loop $t
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $y) (f32.add (f32.mul (f32.sub (f32.load (local.get $x)) (local.get $m)) (local.get $a)) (local.get $b)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $t))))

  ;; y = (x - m) * a + b over $planes planes of $s floats, $stride bytes apart (one channel).
  (func (export "planes_affine") (param $x i32) (param $y i32) (param $planes i32) (param $s i32) (param $stride i32)
                                 (param $m f32) (param $a f32) (param $b f32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $planes)))
        (call $affine (local.get $x) (local.get $y) (local.get $s) (local.get $m) (local.get $a) (local.get $b))
        (local.set $x (i32.add (local.get $x) (local.get $stride)))
        (local.set $y (i32.add (local.get $y) (local.get $stride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; One LayerNorm row, y = ((x - mh) - ml) * r * w + b (w, b vectors of $n floats; $ml, the part
  ;; of the mean float32 cannot hold, is skipped when zero), fused with the shifted sums of the
  ;; next row $nx around $k, so that row is read while this one is written (last row: $nx = $x).
  (func $ln_row (param $x i32) (param $y i32) (param $n i32) (param $mh f32) (param $ml f32) (param $r f32)
                (param $w i32) (param $b i32) (param $nx i32) (param $k f32) (result f64 f64)
    (local $end i32) (local $end16 i32) (local $blk i32) (local $mv v128) (local $lv v128) (local $rv v128) (local $kv v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $d v128) (local $s1 v128) (local $s2 v128) (local $t1 f64) (local $t2 f64) (local $ds f64)
    (local.set $mv (f32x4.splat (local.get $mh)))
    (local.set $lv (f32x4.splat (local.get $ml)))
    (local.set $rv (f32x4.splat (local.get $r)))
    (local.set $kv (f32x4.splat (local.get $k)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $x) (local.get $end16)))
        (local.set $blk (i32.add (local.get $x) (i32.const 1024)))
        (if (i32.gt_u (local.get $blk) (local.get $end16)) (then (local.set $blk (local.get $end16))))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $b2 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (if (f32.eq (local.get $ml) (f32.const 0))
          (then
            (loop $l1
                (v128.store offset=0 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load offset=0 (local.get $x)) (local.get $mv)) (local.get $rv)) (v128.load offset=0 (local.get $w)))
                             (v128.load offset=0 (local.get $b))))
                (v128.store offset=16 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load offset=16 (local.get $x)) (local.get $mv)) (local.get $rv)) (v128.load offset=16 (local.get $w)))
                             (v128.load offset=16 (local.get $b))))
                (v128.store offset=32 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load offset=32 (local.get $x)) (local.get $mv)) (local.get $rv)) (v128.load offset=32 (local.get $w)))
                             (v128.load offset=32 (local.get $b))))
                (v128.store offset=48 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load offset=48 (local.get $x)) (local.get $mv)) (local.get $rv)) (v128.load offset=48 (local.get $w)))
                             (v128.load offset=48 (local.get $b))))
                (local.set $d (f32x4.sub (v128.load offset=0 (local.get $nx)) (local.get $kv)))
                (local.set $a0 (f32x4.add (local.get $a0) (local.get $d)))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=16 (local.get $nx)) (local.get $kv)))
                (local.set $a1 (f32x4.add (local.get $a1) (local.get $d)))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=32 (local.get $nx)) (local.get $kv)))
                (local.set $a2 (f32x4.add (local.get $a2) (local.get $d)))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=48 (local.get $nx)) (local.get $kv)))
                (local.set $a3 (f32x4.add (local.get $a3) (local.get $d)))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $x (i32.add (local.get $x) (i32.const 64)))
                (local.set $y (i32.add (local.get $y) (i32.const 64)))
                (local.set $w (i32.add (local.get $w) (i32.const 64)))
                (local.set $b (i32.add (local.get $b) (i32.const 64)))
                (local.set $nx (i32.add (local.get $nx) (i32.const 64)))
              (br_if $l1 (i32.lt_u (local.get $x) (local.get $blk)))))
          (else
            (loop $l2
                (v128.store offset=0 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (f32x4.sub (v128.load offset=0 (local.get $x)) (local.get $mv)) (local.get $lv)) (local.get $rv)) (v128.load offset=0 (local.get $w)))
                             (v128.load offset=0 (local.get $b))))
                (v128.store offset=16 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (f32x4.sub (v128.load offset=16 (local.get $x)) (local.get $mv)) (local.get $lv)) (local.get $rv)) (v128.load offset=16 (local.get $w)))
                             (v128.load offset=16 (local.get $b))))
                (v128.store offset=32 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (f32x4.sub (v128.load offset=32 (local.get $x)) (local.get $mv)) (local.get $lv)) (local.get $rv)) (v128.load offset=32 (local.get $w)))
                             (v128.load offset=32 (local.get $b))))
                (v128.store offset=48 (local.get $y)
                  (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (f32x4.sub (v128.load offset=48 (local.get $x)) (local.get $mv)) (local.get $lv)) (local.get $rv)) (v128.load offset=48 (local.get $w)))
                             (v128.load offset=48 (local.get $b))))
                (local.set $d (f32x4.sub (v128.load offset=0 (local.get $nx)) (local.get $kv)))
                (local.set $a0 (f32x4.add (local.get $a0) (local.get $d)))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=16 (local.get $nx)) (local.get $kv)))
                (local.set $a1 (f32x4.add (local.get $a1) (local.get $d)))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=32 (local.get $nx)) (local.get $kv)))
                (local.set $a2 (f32x4.add (local.get $a2) (local.get $d)))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $d (f32x4.sub (v128.load offset=48 (local.get $nx)) (local.get $kv)))
                (local.set $a3 (f32x4.add (local.get $a3) (local.get $d)))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
                (local.set $x (i32.add (local.get $x) (i32.const 64)))
                (local.set $y (i32.add (local.get $y) (i32.const 64)))
                (local.set $w (i32.add (local.get $w) (i32.const 64)))
                (local.set $b (i32.add (local.get $b) (i32.const 64)))
                (local.set $nx (i32.add (local.get $nx) (i32.const 64)))
              (br_if $l2 (i32.lt_u (local.get $x) (local.get $blk))))))
        (local.set $s1 (f64x2.add (local.get $s1)
          (f64x2.add (call $widen (f32x4.add (local.get $a0) (local.get $a1)))
                     (call $widen (f32x4.add (local.get $a2) (local.get $a3))))))
        (local.set $s2 (f64x2.add (local.get $s2)
          (f64x2.add (call $widen (f32x4.add (local.get $b0) (local.get $b1)))
                     (call $widen (f32x4.add (local.get $b2) (local.get $b3))))))
        (br $blocks)))
    (local.set $t1 (call $hsum (local.get $s1)))
    (local.set $t2 (call $hsum (local.get $s2)))
    (block $tdone
      (loop $t
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $y)
          (f32.add (f32.mul (f32.mul (f32.sub (f32.sub (f32.load (local.get $x)) (local.get $mh)) (local.get $ml)) (local.get $r))
                            (f32.load (local.get $w)))
                   (f32.load (local.get $b))))
        (local.set $ds (f64.promote_f32 (f32.sub (f32.load (local.get $nx)) (local.get $k))))
        (local.set $t1 (f64.add (local.get $t1) (local.get $ds)))
        (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $nx (i32.add (local.get $nx) (i32.const 4)))
        (br $t)))
    (local.get $t1) (local.get $t2))

  ;; LayerNorm over $rows rows of $cols floats; (mean, biased variance) f64 pairs per row at $stats.
  (func (export "layer_norm") (param $x i32) (param $y i32) (param $rows i32) (param $cols i32) (param $w i32) (param $b i32) (param $eps f64) (param $stats i32)
    (local $i i32) (local $bytes i32) (local $mean f64) (local $var f64) (local $mh f32) (local $r f64) (local $ml f64)
    (local $nx i32) (local $k f32) (local $s1 f64) (local $s2 f64)
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (call $moments (local.get $x) (local.get $cols) (local.get $stats))
    (loop $l
      (local.set $mean (f64.load (local.get $stats)))
      (local.set $var (f64.div (f64.load offset=8 (local.get $stats)) (f64.convert_i32_u (local.get $cols))))
      (if (f64.lt (local.get $var) (f64.const 0)) (then (local.set $var (f64.const 0))))
      (f64.store offset=8 (local.get $stats) (local.get $var))
      (local.set $mh (f32.demote_f64 (local.get $mean)))
      (local.set $r (f64.div (f64.const 1) (f64.sqrt (f64.add (local.get $var) (local.get $eps)))))
      (local.set $ml (f64.sub (local.get $mean) (f64.promote_f32 (local.get $mh))))
      ;; the mean's float32 rounding matters for large offsets; below 2^-32 of the scale it cannot
      (if (f64.lt (f64.abs (f64.mul (local.get $ml) (local.get $r))) (f64.const 0x1p-32))
        (then (local.set $ml (f64.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $nx (select (i32.add (local.get $x) (local.get $bytes)) (local.get $x) (i32.lt_u (local.get $i) (local.get $rows))))
      (local.set $k (f32.demote_f64 (call $probe (local.get $nx) (local.get $cols))))
      (call $ln_row (local.get $x) (local.get $y) (local.get $cols)
        (local.get $mh) (f32.demote_f64 (local.get $ml)) (f32.demote_f64 (local.get $r))
        (local.get $w) (local.get $b) (local.get $nx) (local.get $k))
      (local.set $s2) (local.set $s1)
      (if (i32.lt_u (local.get $i) (local.get $rows))
        (then
          (local.set $x (local.get $nx))
          (local.set $y (i32.add (local.get $y) (local.get $bytes)))
          (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
          (if (i32.eqz (call $accept (local.get $k) (local.get $s1) (local.get $s2) (local.get $cols) (local.get $stats)))
            (then (call $recentre (local.get $x) (local.get $cols) (local.get $stats))))
          (br $l)))))

  ;; One RMSNorm row, y = x * r * w, fused with the sum of squares of the next row $nx.
  (func $rms_row (param $x i32) (param $y i32) (param $n i32) (param $r f32) (param $w i32) (param $nx i32) (result f64)
    (local $end i32) (local $end16 i32) (local $blk i32) (local $rv v128) (local $v v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $s2 v128) (local $t2 f64) (local $xs f64)
    (local.set $rv (f32x4.splat (local.get $r)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $x) (local.get $end16)))
        (local.set $blk (i32.add (local.get $x) (i32.const 1024)))
        (if (i32.gt_u (local.get $blk) (local.get $end16)) (then (local.set $blk (local.get $end16))))
        (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
        (local.set $b2 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
        (loop $l
          (v128.store offset=0 (local.get $y)
            (f32x4.mul (f32x4.mul (v128.load offset=0 (local.get $x)) (local.get $rv)) (v128.load offset=0 (local.get $w))))
          (v128.store offset=16 (local.get $y)
            (f32x4.mul (f32x4.mul (v128.load offset=16 (local.get $x)) (local.get $rv)) (v128.load offset=16 (local.get $w))))
          (v128.store offset=32 (local.get $y)
            (f32x4.mul (f32x4.mul (v128.load offset=32 (local.get $x)) (local.get $rv)) (v128.load offset=32 (local.get $w))))
          (v128.store offset=48 (local.get $y)
            (f32x4.mul (f32x4.mul (v128.load offset=48 (local.get $x)) (local.get $rv)) (v128.load offset=48 (local.get $w))))
          (local.set $v (v128.load offset=0 (local.get $nx)))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=16 (local.get $nx)))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=32 (local.get $nx)))
          (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $v (v128.load offset=48 (local.get $nx)))
          (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $x (i32.add (local.get $x) (i32.const 64)))
          (local.set $y (i32.add (local.get $y) (i32.const 64)))
          (local.set $w (i32.add (local.get $w) (i32.const 64)))
          (local.set $nx (i32.add (local.get $nx) (i32.const 64)))
          (br_if $l (i32.lt_u (local.get $x) (local.get $blk))))
        (local.set $s2 (f64x2.add (local.get $s2)
          (f64x2.add (call $widen (f32x4.add (local.get $b0) (local.get $b1)))
                     (call $widen (f32x4.add (local.get $b2) (local.get $b3))))))
        (br $blocks)))
    (local.set $t2 (call $hsum (local.get $s2)))
    (block $tdone
      (loop $t
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $y) (f32.mul (f32.mul (f32.load (local.get $x)) (local.get $r)) (f32.load (local.get $w))))
        (local.set $xs (f64.promote_f32 (f32.load (local.get $nx))))
        (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $xs) (local.get $xs))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $nx (i32.add (local.get $nx) (i32.const 4)))
        (br $t)))
    (local.get $t2))

  ;; RMSNorm over $rows rows of $cols floats; the f64 mean square per row at $stats.
  (func (export "rms_norm") (param $x i32) (param $y i32) (param $rows i32) (param $cols i32) (param $w i32) (param $eps f64) (param $stats i32)
    (local $i i32) (local $bytes i32) (local $ms f64) (local $nx i32) (local $nf f64)
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $nf (f64.convert_i32_u (local.get $cols)))
    (local.set $ms (f64.div (call $sumsq (local.get $x) (local.get $cols)) (local.get $nf)))
    (loop $l
      (f64.store (local.get $stats) (local.get $ms))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $nx (select (i32.add (local.get $x) (local.get $bytes)) (local.get $x) (i32.lt_u (local.get $i) (local.get $rows))))
      (local.set $ms (f64.div
        (call $rms_row (local.get $x) (local.get $y) (local.get $cols)
          (f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.add (local.get $ms) (local.get $eps)))))
          (local.get $w) (local.get $nx))
        (local.get $nf)))
      (local.set $x (local.get $nx))
      (local.set $y (i32.add (local.get $y) (local.get $bytes)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $rows)))))
)
