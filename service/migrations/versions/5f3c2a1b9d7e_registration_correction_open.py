"""use_registration.correction_open, corrected_at: the ministry refused 制证, the using unit corrects its data

Revision ID: 5f3c2a1b9d7e
Revises: d2466cb2308f
Create Date: 2026-12-01 05:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5f3c2a1b9d7e'
down_revision = 'd2466cb2308f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('use_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_open', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE use_registration SET correction_open = TRUE WHERE status = 'approved' AND id IN "
               "(SELECT registration_id FROM certificate WHERE status = 'failed')")


def downgrade():
    with op.batch_alter_table('use_registration', schema=None) as batch_op:
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('correction_open')
