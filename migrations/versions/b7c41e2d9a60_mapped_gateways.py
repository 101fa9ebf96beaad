"""mapped gateways

Gateways described without code (/ussd/mapped/<name>): one row per definition, kept as
JSON and read by ussd/mapped_gateways.py.

Revision ID: b7c41e2d9a60
Revises: e1f63cdf52c3
Create Date: 2026-11-30 16:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41e2d9a60'
down_revision = 'e1f63cdf52c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mapped_gateways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_mapped_gateways_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mapped_gateways')),
    sa.UniqueConstraint('name', name=op.f('uq_mapped_gateways_name'))
    )


def downgrade():
    op.drop_table('mapped_gateways')
